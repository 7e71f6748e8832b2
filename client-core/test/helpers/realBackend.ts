/**
 * The real sync-server on port 0 (sync-server/test/helpers/server.ts) with the `ws` WebSocket. A device's network
 * is cut by terminating its sockets and pointing new ones at a closed port.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
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

/**
 * The real server for a test file (started before its tests, stopped after) and the devices each test boots (shut
 * down after it), with unique names per run.
 */
export function useRealBackend(): { readonly be: RealBackend; readonly devices: TestDevice[]; uniq(prefix: string): string } {
  const holder: { be: RealBackend | null } = { be: null };
  const devices: TestDevice[] = [];
  let n = 0;
  beforeAll(async () => {
    holder.be = await RealBackend.start();
  });
  afterAll(async () => {
    await holder.be?.stop();
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.shutdown().catch(() => undefined);
  });
  return {
    get be(): RealBackend {
      if (holder.be === null) throw new Error('the backend is not started yet');
      return holder.be;
    },
    devices,
    uniq: (prefix) => `${prefix}${++n}${Date.now() % 100000}`,
  };
}
