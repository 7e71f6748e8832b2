/*
 * A ConcordApp on every OpenHarmony stand-in (WebSocket, HTTP, RDB on real SQLite, cryptoFramework, NetConnection,
 * notificationManager), wired as bootstrap wires it, for facade tests against the real sync-server. The same wiring
 * as facade.e2e.test.ts's device(), kept here so new test files share it.
 */
import { waitFor as waitForCondition } from '@concord/test-support';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore } from '@concord/storage-adapters/rdb-standin';
import { AppPlatform } from '../../entry/src/main/ets/facade/appPlatform';
import { ConcordApp } from '../../entry/src/main/ets/facade/ConcordApp';
import { ohosSocketFactory, type SocketObserver } from '../../entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../../entry/src/main/ets/platform/httpFetch';
import { Utf8Codec } from '../../entry/src/main/ets/platform/textCodecs';
import { CryptoFrameworkRandom } from '../../entry/src/main/ets/platform/cryptoRandom';
import { OhosNetworkSource } from '../../entry/src/main/ets/platform/networkSource';
import { AbilityTarget, IncomingMessage, MessageNotifier } from '../../entry/src/main/ets/platform/notifier';
import { AccountRoutedStorage, type RelationalStoreModule } from '../../entry/src/main/ets/platform/accountStorage';
import { StandinWebSocketModule } from '../standins/nativeWebSocket';
import { StandinHttpModule } from '../standins/http';
import { StandinCryptoFramework } from '../standins/cryptoFramework';
import { StandinConnectionModule } from '../standins/netConnection';
import { StandinNotificationManager, StandinWantAgentModule } from '../standins/notificationManager';
import { standinUtil } from '../standins/util';

/** `@ohos.util`'s codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

class Observer implements SocketObserver {
  app: ConcordApp | null = null;
  opened(): void {
    this.app?.socketOpened();
  }
  frame(): void {
    this.app?.socketFrame();
  }
  closed(): void {
    this.app?.socketClosed();
  }
}

export interface AppDevice {
  app: ConcordApp;
  notifications: StandinNotificationManager;
  storage: AccountRoutedStorage<object>;
  dir: string;
  /** The app process ends (a restart): client and files closed; the files stay. Idempotent. */
  close(): Promise<void>;
  /** While true, HTTP requests go to a port nothing listens on (the native request fails to connect). */
  httpDown: boolean;
}

export interface AppDeviceOptions {
  /** The same install after a restart: reuse this data directory (left for the caller to remove). */
  dir?: string;
}

/** A device whose app talks to `serverUrl`; `cleanups` gets its teardown. */
export async function appDevice(serverUrl: string, cleanups: (() => Promise<void> | void)[], opts: AppDeviceOptions = {}): Promise<AppDevice> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'concord-dev-'));
  const rdb = new StandInRelationalStore(dir) as unknown as RelationalStoreModule<object>;
  const storage = await AccountRoutedStorage.open(rdb, {}, codec);
  const net = new StandinConnectionModule();
  net.nets.add(1);
  const network = new OhosNetworkSource(net);
  const notifications = new StandinNotificationManager();
  const observer = new Observer();
  const random = new CryptoFrameworkRandom(new StandinCryptoFramework());
  const fetchOhos = ohosFetch(new StandinHttpModule(), (b: Uint8Array) => codec.decode(b));
  const device = { httpDown: false };
  const platform = new AppPlatform(
    ohosSocketFactory(new StandinWebSocketModule(), observer),
    storage,
    (url, init) => fetchOhos(device.httpDown ? url.replace(/^https?:\/\/[^/]+/, 'http://127.0.0.1:9') : url, init),
    (n) => random.bytes(n),
    (cb) => network.onOnline(cb),
    new MessageNotifier(notifications, new StandinWantAgentModule(), new AbilityTarget('org.concord.im', 'EntryAbility')),
    (id, title, preview, muted) => new IncomingMessage(id, title, preview, muted),
    'test-board',
    400,
    storage.settings(),
  );
  const app = ConcordApp.create(platform, serverUrl);
  observer.app = app;
  network.onOffline(() => app.networkLost());
  network.start();
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await app.client.close();
      await storage.close();
    })();
    return closed;
  };
  cleanups.push(async () => {
    await close();
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    app,
    notifications,
    storage,
    dir,
    close,
    get httpDown() {
      return device.httpDown;
    },
    set httpDown(v: boolean) {
      device.httpDown = v;
    },
  };
}

/** Polls `pred` until true; fails after `ms` (the facade's observable is state, not events). */
export function waitFor(what: string, pred: () => boolean, ms = 8000): Promise<void> {
  return waitForCondition(what, pred, ms);
}

let n = 0;
export const uniq = (s: string): string => `${s}${++n}${Date.now() % 100000}`;
export const pw = (username: string): string => `password-${username}`;
