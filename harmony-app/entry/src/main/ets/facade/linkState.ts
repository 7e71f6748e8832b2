/*
 * The conversation list's connection light (logic/linkLight.ts) from what the sockets and the network say: frames
 * keep it green, a closed socket, a lost network or a silent link turn it grey.
 */
import { LinkLight, linkLight } from '../logic/linkLight';

export class LinkState {
  private lastFrameAt = 0;
  /** Sockets open right now (an old one may still be closing while its replacement is open). */
  private openSockets = 0;
  /** client-core's connection state: 'online', 'connecting', 'offline'. */
  state = 'offline';
  networkUp = true;
  private readonly now: () => number;
  private readonly heartbeatMs: number;

  constructor(now: () => number, heartbeatMs: number) {
    this.now = now;
    this.heartbeatMs = heartbeatMs;
  }

  socketOpened(): void {
    this.openSockets++;
    this.networkUp = true;
    this.lastFrameAt = this.now();
  }

  socketFrame(): void {
    this.lastFrameAt = this.now();
  }

  socketClosed(): void {
    this.openSockets = Math.max(0, this.openSockets - 1);
  }

  light(): LinkLight {
    const connected = this.networkUp && this.openSockets > 0 && this.state === 'online';
    return linkLight(connected, this.networkUp && this.state === 'connecting', this.lastFrameAt, this.now(), this.heartbeatMs);
  }
}
