/**
 * The real sync-server on port 0 (sync-server/test/helpers/server.ts) with the `ws` WebSocket. A device's network
 * is cut by terminating its sockets and pointing new ones at a closed port.
 */
import WebSocket from 'ws';
import { startServer, type StartServerOptions, type TestServer } from '../../../sync-server/test/helpers/server.js';
import type { Backend, TestDevice } from './devices.js';
import { w3cSocketFactory, type FetchLike, type SocketFactory } from '../../src/platform.js';

export class RealBackend implements Backend {
  private readonly cutDevices = new Set<TestDevice>();
  private readonly sockets = new Map<TestDevice, Set<WebSocket>>();
  readonly fetch: FetchLike = (url, init) => globalThis.fetch(url, init);

  private constructor(readonly srv: TestServer) {}

  static async start(options: StartServerOptions = {}): Promise<RealBackend> {
    return new RealBackend(await startServer(options));
  }

  get serverUrl(): string {
    return this.srv.url;
  }

  socket(device: TestDevice): SocketFactory {
    const self = this;
    let set = this.sockets.get(device);
    if (set === undefined) {
      set = new Set();
      this.sockets.set(device, set);
    }
    const mine = set;
    class DeviceSocket extends WebSocket {
      constructor(url: string) {
        // Port 1 refuses at once: a cut network as the client sees it (close 1006).
        super(self.cutDevices.has(device) ? 'ws://127.0.0.1:1/' : url);
        mine.add(this);
        this.on('close', () => mine.delete(this));
        this.on('error', () => undefined);
      }
    }
    return w3cSocketFactory(DeviceSocket);
  }

  offline(device: TestDevice): void {
    this.cutDevices.add(device);
    for (const s of this.sockets.get(device) ?? []) s.terminate();
  }

  online(device: TestDevice): void {
    this.cutDevices.delete(device);
  }

  async restartServer(): Promise<void> {
    await this.srv.restart();
  }

  async stop(): Promise<void> {
    await this.srv.stop();
  }
}
