/*
 * What the app is given by its platform (sockets, storage, HTTP, randomness, network changes, notifications,
 * per-install settings, a native digest) and how a client-core `Concord` is built from it. ArkTS-clean: the options
 * are classes, since ArkTS has no object-literal types.
 */
import { Concord } from '@concord/client-core';
import type { DigestFactory, SocketFactory } from '@concord/client-core';
import type { StorageAdapter } from '@concord/storage-adapters';
import type { FetchInit, FetchResponse } from '../platform/httpFetch';
import type { IncomingMessage } from '../platform/notifier';

export type FetchFn = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** What the app tells the facade about notifications; MessageNotifier implements it on a device. */
export interface Notifications {
  notify(msg: IncomingMessage, unreadTotal: number): Promise<boolean>;
  conversationRead(conversationId: string, unreadTotal: number): Promise<void>;
  setBadge(unreadTotal: number): Promise<void>;
  /** Another account logged in on this device: the previous account's notifications and badge go. */
  accountChanged(): Promise<void>;
}
export type IncomingFactory = (conversationId: string, title: string, preview: string, muted: boolean) => IncomingMessage;

/**
 * Per-install app settings (not per account): they survive logout and account switches and go with an uninstall.
 * On a device: DeviceSettingsStore on the device RDB file (platform/deviceSettings.ts).
 */
export interface DeviceSettings {
  getFlag(key: string): Promise<boolean>;
  setFlag(key: string, value: boolean): Promise<void>;
  /** '' when never set. */
  getText(key: string): Promise<string>;
  setText(key: string, value: string): Promise<void>;
}

export class AppPlatform {
  readonly openSocket: SocketFactory;
  readonly storage: StorageAdapter;
  readonly fetch: FetchFn;
  readonly random: (length: number) => Uint8Array;
  readonly onOnline: (callback: () => void) => () => void;
  readonly notifications: Notifications | null;
  readonly incoming: IncomingFactory | null;
  readonly deviceName: string;
  readonly heartbeatMs: number;
  /** Null: settings live in memory only (tools and benches). */
  readonly settings: DeviceSettings | null;
  /** SHA-256 for attachments (HAPP-ATTACH-2: cryptoFramework's native Md on a device); null: client-core's JS one. */
  readonly digest: DigestFactory | null;
  constructor(
    openSocket: SocketFactory,
    storage: StorageAdapter,
    fetch: FetchFn,
    random: (length: number) => Uint8Array,
    onOnline: (callback: () => void) => () => void,
    notifications: Notifications | null,
    incoming: IncomingFactory | null,
    deviceName: string,
    heartbeatMs: number,
    settings: DeviceSettings | null = null,
    digest: DigestFactory | null = null,
  ) {
    this.openSocket = openSocket;
    this.storage = storage;
    this.fetch = fetch;
    this.random = random;
    this.onOnline = onOnline;
    this.notifications = notifications;
    this.incoming = incoming;
    this.deviceName = deviceName;
    this.heartbeatMs = heartbeatMs;
    this.settings = settings;
    this.digest = digest;
  }
}

/**
 * A client-core client for `serverUrl` on the platform. `segmentMessages` > 0 starts a new history segment after
 * that many messages (tests use small values); 0 keeps client-core's default.
 */
export function createClient(platform: AppPlatform, serverUrl: string, now: () => number, segmentMessages: number): Concord {
  return new Concord({
    serverUrl: serverUrl,
    openSocket: platform.openSocket,
    storage: platform.storage,
    fetch: platform.fetch,
    random: platform.random,
    network: new NetworkBridge(platform.onOnline),
    deviceName: platform.deviceName,
    heartbeat: new Heartbeat(platform.heartbeatMs, 2),
    now: now,
    history: new HistoryLimits(segmentMessages > 0 ? segmentMessages : undefined),
    attachments: new AttachmentChunking(platform.digest),
  });
}

/** client-core's NetworkSource over the platform's onOnline. */
class NetworkBridge {
  private readonly subscribe: (callback: () => void) => () => void;
  constructor(subscribe: (callback: () => void) => () => void) {
    this.subscribe = subscribe;
  }
  onOnline(callback: () => void): () => void {
    return this.subscribe(callback);
  }
}

class AttachmentChunking {
  readonly digest?: DigestFactory;
  constructor(digest: DigestFactory | null) {
    if (digest !== null) this.digest = digest;
  }
}

class HistoryLimits {
  readonly segmentMessages?: number;
  constructor(segmentMessages: number | undefined) {
    if (segmentMessages !== undefined) this.segmentMessages = segmentMessages;
  }
}

class Heartbeat {
  readonly intervalMs: number;
  readonly maxMissed: number;
  constructor(intervalMs: number, maxMissed: number) {
    this.intervalMs = intervalMs;
    this.maxMissed = maxMissed;
  }
}
