import type { DeviceId } from '@concord/protocol';
import type { Logger } from 'pino';
import type { SessionEvents } from '../seams.js';

/** The server's SessionEvents: the sync side subscribes, the session service emits. */
export class SessionEventEmitter implements SessionEvents {
  private readonly listeners = new Set<(deviceId: DeviceId) => void>();

  constructor(private readonly logger: Logger) {}

  onRevoked(listener: (deviceId: DeviceId) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emitRevoked(deviceId: DeviceId): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(deviceId);
      } catch (err) {
        // A listener's failure must not stop the others (or the HTTP response) from seeing the revocation.
        this.logger.error({ err, deviceId }, 'session revoked listener failed');
      }
    }
  }
}
