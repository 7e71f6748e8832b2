/*
 * client-core's network-state seam on `connection.createNetConnection` (reference §3). When a network becomes
 * available (or gains VALIDATED, i.e. real internet behind a captive portal), client-core is told to reconnect now
 * instead of sitting out its backoff, which after a long outage can be ~30 s. Loss is reported too, so the UI can
 * grey the connection light before the heartbeat notices.
 */
import type connection from '@ohos.net.connection';
import type { BusinessError } from '@ohos.base';

export interface NetConnectionModule {
  createNetConnection(): connection.NetConnection;
}

const NET_CAPABILITY_VALIDATED = 16;
/** 2101008: a callback is already registered on this NetConnection. */
const ALREADY_REGISTERED = 2101008;

type Listener = () => void;

export class OhosNetworkSource {
  private readonly online = new Set<Listener>();
  private readonly offline = new Set<Listener>();
  /** netIds currently available; online while this is not empty. */
  private readonly nets = new Set<number>();
  /** netIds that have reported VALIDATED: a later validation of the same net is a new chance to connect. */
  private readonly validated = new Set<number>();
  private conn: connection.NetConnection | null = null;
  private registerError: BusinessError | null = null;

  private readonly module: NetConnectionModule;
  constructor(module: NetConnectionModule) {
    this.module = module;
  }

  get isOnline(): boolean {
    return this.nets.size > 0;
  }

  /** The error register() reported, if any (e.g. 2101022 too many requests); events do not flow then. */
  get lastError(): BusinessError | null {
    return this.registerError;
  }

  start(): void {
    if (this.conn !== null) return;
    const conn = this.module.createNetConnection();
    this.conn = conn;
    // Subscribe first, then register: events raised during register() must find their listeners.
    conn.on('netAvailable', (h: connection.NetHandle) => this.available(h.netId));
    conn.on('netCapabilitiesChange', (info: connection.NetCapabilityInfo) => {
      const caps = info.netCap.networkCap ?? [];
      const id = info.netHandle.netId;
      if (caps.includes(NET_CAPABILITY_VALIDATED as connection.NetCap)) {
        if (!this.validated.has(id)) {
          this.validated.add(id);
          this.available(id);
        }
      } else this.validated.delete(id);
    });
    conn.on('netLost', (h: connection.NetHandle) => this.lost(h.netId));
    conn.on('netUnavailable', () => this.lostAll());
    conn.register((err: BusinessError) => {
      if (err && err.code !== ALREADY_REGISTERED) this.registerError = err;
    });
  }

  stop(): void {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    conn.unregister(() => undefined);
    this.nets.clear();
    this.validated.clear();
  }

  /** client-core's NetworkSource: `callback` runs when a network comes (back); returns an unsubscribe. */
  onOnline(callback: Listener): () => void {
    this.online.add(callback);
    return () => {
      this.online.delete(callback);
    };
  }

  onOffline(callback: Listener): () => void {
    this.offline.add(callback);
    return () => {
      this.offline.delete(callback);
    };
  }

  private available(netId: number): void {
    this.nets.add(netId);
    // Every new or newly validated network fires, not only offline->online: after a Wi-Fi -> Ethernet switch the
    // old socket is bound to a dead interface, and reconnecting at once is what the user wants.
    // A copy: a listener may unsubscribe while the set is walked.
    for (const l of Array.from(this.online)) l();
  }

  private lost(netId: number): void {
    this.validated.delete(netId);
    if (!this.nets.delete(netId)) return;
    if (this.nets.size === 0) for (const l of Array.from(this.offline)) l();
  }

  private lostAll(): void {
    const wasOnline = this.nets.size > 0;
    this.nets.clear();
    this.validated.clear();
    if (wasOnline) for (const l of Array.from(this.offline)) l();
  }
}
