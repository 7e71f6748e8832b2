import { FakeServer } from './fakeServer.js';
import { Link } from './fakeSocket.js';
import type { Backend, TestDevice } from './devices.js';
import type { SocketFactory } from '../../src/platform.js';

export class FakeBackend implements Backend {
  readonly server = new FakeServer();
  readonly serverUrl = 'http://fake.concord';
  readonly fetch = this.server.fetch;
  readonly links = new Map<TestDevice, Link>();

  socket(device: TestDevice): SocketFactory {
    let link = this.links.get(device);
    if (link === undefined) {
      const l = new Link();
      link = l;
      this.links.set(device, l);
    }
    return this.server.socketFactory(link);
  }

  offline(device: TestDevice): void {
    this.links.get(device)?.down();
  }

  online(device: TestDevice): void {
    this.links.get(device)?.restore();
  }

  async restartServer(): Promise<void> {
    this.server.stop();
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.server.start();
  }
}
