/*
 * A device on the board stand-ins for the HAPP-ATTACH-2/3 and HAPP-RDB-1 tests: the facade over RDB (stand-in on
 * real SQLite, async calls on a timer), `@ohos.net.http` at API 12, the native WebSocket stand-in, cryptoFramework's
 * Random and Md, against the real sync-server. `offline` sends HTTP and the sync socket to a port nothing listens
 * on (as a board without a route), `online()` undoes it and tells the app, as the network source would.
 */
import { waitFor as waitForCondition } from '@concord/test-support';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandInRelationalStore, type StandInRdbStore } from '@concord/storage-adapters/rdb-standin';
import { AppPlatform } from '../entry/src/main/ets/facade/appPlatform';
import { ConcordApp } from '../entry/src/main/ets/facade/ConcordApp';
import { ohosSocketFactory, type SocketObserver } from '../entry/src/main/ets/platform/OhosWebSocket';
import { ohosFetch } from '../entry/src/main/ets/platform/httpFetch';
import { Utf8Codec } from '../entry/src/main/ets/platform/textCodecs';
import { CryptoFrameworkRandom } from '../entry/src/main/ets/platform/cryptoRandom';
import { cryptoFrameworkSha256 } from '../entry/src/main/ets/platform/nativeDigest';
import { AccountRoutedStorage, type RelationalStoreModule } from '../entry/src/main/ets/platform/accountStorage';
import { LinkLight } from '../entry/src/main/ets/logic/linkLight';
import { StandinWebSocketModule, type StandinNativeWebSocket } from './standins/nativeWebSocket';
import { StandinHttpModule } from './standins/http';
import { StandinCryptoFramework, StandinCryptoMd } from './standins/cryptoFramework';
import { standinUtil } from './standins/util';

/** `@ohos.util`'s codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

const DEAD = 'http://127.0.0.1:9';

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

/** Connects to a dead port while its device is offline. */
class SwitchableWebSocketModule extends StandinWebSocketModule {
  constructor(
    private readonly server: string,
    private readonly isOffline: () => boolean,
  ) {
    super();
  }
  override createWebSocket(): StandinNativeWebSocket {
    const ws = super.createWebSocket();
    const connect = ws.connect.bind(ws);
    const live = this.server.replace(/^http/, 'ws');
    ws.connect = (url, options) => connect(this.isOffline() ? url.replace(live, DEAD.replace(/^http/, 'ws')) : url, options);
    return ws;
  }
}

export interface BoardDevice {
  app: ConcordApp;
  http: StandinHttpModule;
  md: StandinCryptoMd;
  rdb: StandInRelationalStore;
  dir: string;
  offline: boolean;
  /** Back online: requests reach the server again and the app reconnects at once. */
  online(): void;
  /** The RDB store of the signed-in account's file. */
  accountStore(): StandInRdbStore;
  close(): Promise<void>;
}

export interface BoardOptions {
  /** Reuse a data directory (an app restart); the caller removes it. */
  dir?: string;
  asyncDelayMs?: number;
}

export async function boardDevice(serverUrl: string, cleanups: (() => Promise<void> | void)[], opts: BoardOptions = {}): Promise<BoardDevice> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'concord-board-'));
  const rdb = new StandInRelationalStore(dir, { asyncDelayMs: opts.asyncDelayMs ?? 0 });
  const storage = await AccountRoutedStorage.open(rdb as unknown as RelationalStoreModule<object>, {}, codec);
  const http = new StandinHttpModule(12);
  const md = new StandinCryptoMd();
  const observer = new Observer();
  const random = new CryptoFrameworkRandom(new StandinCryptoFramework());
  const onlineListeners: (() => void)[] = [];
  const state = { offline: false };
  const fetchOhos = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
  const platform = new AppPlatform(
    ohosSocketFactory(new SwitchableWebSocketModule(serverUrl, () => state.offline), observer),
    storage,
    (url, init) => fetchOhos(state.offline ? url.replace(serverUrl, DEAD) : url, init),
    (n) => random.bytes(n),
    (cb) => {
      onlineListeners.push(cb);
      return () => onlineListeners.splice(onlineListeners.indexOf(cb), 1);
    },
    null,
    null,
    'test-board',
    1000,
    storage.settings(),
    cryptoFrameworkSha256(md),
  );
  const app = ConcordApp.create(platform, serverUrl);
  observer.app = app;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.client.close();
    await storage.close();
  };
  cleanups.push(async () => {
    await close();
    if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    app,
    http,
    md,
    rdb,
    dir,
    get offline() {
      return state.offline;
    },
    set offline(v: boolean) {
      state.offline = v;
    },
    online() {
      state.offline = false;
      for (const l of onlineListeners.slice()) l();
    },
    accountStore() {
      const found = rdb.opened.filter((o) => o.name.startsWith('concord_u_')).at(-1);
      if (found === undefined) throw new Error('no account store opened');
      return found.store;
    },
    close,
  };
}

export const lit = (app: ConcordApp): boolean => app.light() === LinkLight.Green || app.light() === LinkLight.Pulse;

export function waitFor(what: string, pred: () => boolean, ms = 20_000): Promise<void> {
  return waitForCondition(what, pred, ms);
}
