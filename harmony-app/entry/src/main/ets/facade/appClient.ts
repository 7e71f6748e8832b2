/*
 * The app's client-core client: one for the app's life (a kicked device logs in again on the same one, CONN-6),
 * replaced over the same storage only when another server is chosen (HAPP-SERVER-1) or a kicked device registers a
 * new account. Its events go to the app through ClientEvents.
 */
import type { Concord, ConnectionStatus, ConversationSummaryView } from '@concord/client-core';
import { AppPlatform, createClient } from './appPlatform';

export enum SessionEnd {
  LoggedOut = 0,
  Revoked = 1,
  VersionMismatch = 2,
}

/** What the app hears from its client. */
export class ClientEvents {
  readonly conversations: (list: readonly ConversationSummaryView[]) => void;
  /** client-core's connection state: 'online', 'connecting', 'offline'. */
  readonly connection: (state: string) => void;
  readonly sessionEnded: (why: SessionEnd, reason: string) => void;
  /** HAPP-RDB-1: a write failed past the RDB adapter's retries. */
  readonly storageFailed: (error: Error) => void;
  constructor(
    conversations: (list: readonly ConversationSummaryView[]) => void,
    connection: (state: string) => void,
    sessionEnded: (why: SessionEnd, reason: string) => void,
    storageFailed: (error: Error) => void,
  ) {
    this.conversations = conversations;
    this.connection = connection;
    this.sessionEnded = sessionEnded;
    this.storageFailed = storageFailed;
  }
}

export class AppClient {
  private current: Concord;
  /** The session was refused (4401): the runtime stays for offline reading until the next login (CONN-4/6). */
  revoked = false;
  /** Normalized (serverAddress.ts). */
  private url: string;
  private readonly platform: AppPlatform;
  private readonly now: () => number;
  private readonly segmentMessages: number;
  private readonly events: ClientEvents;

  constructor(platform: AppPlatform, serverUrl: string, now: () => number, segmentMessages: number, events: ClientEvents) {
    this.platform = platform;
    this.url = serverUrl.replace(/\/$/, '');
    this.now = now;
    this.segmentMessages = segmentMessages;
    this.events = events;
    this.current = this.newClient();
  }

  get client(): Concord {
    return this.current;
  }

  get serverUrl(): string {
    return this.url;
  }

  /** Whether a session is live (not logged out, not kicked): then the server cannot change. */
  get live(): boolean {
    return this.current.session !== null && !this.revoked;
  }

  /** A fresh client over the same storage (the caller has released the old one's views). */
  async replace(serverUrl: string): Promise<void> {
    this.url = serverUrl;
    await this.current.close();
    this.current = this.newClient();
    this.revoked = false;
  }

  private newClient(): Concord {
    const client = createClient(this.platform, this.url, this.now, this.segmentMessages);
    const events = this.events;
    client.events.on('conversations', (list: readonly ConversationSummaryView[]) => events.conversations(list));
    client.events.on('connection', (s: ConnectionStatus) => events.connection(s.state));
    client.events.on('sessionInvalid', (e: SessionReason) => {
      this.revoked = true;
      events.sessionEnded(SessionEnd.Revoked, e.reason);
    });
    client.events.on('versionMismatch', (e: SessionReason) => events.sessionEnded(SessionEnd.VersionMismatch, e.reason));
    // The change stays in memory and still goes out when online; the page can say this device could not save it.
    client.events.on('storageError', (e: StorageFailure) => events.storageFailed(e.error));
    return client;
  }
}

class SessionReason {
  reason: string = '';
}

class StorageFailure {
  doc: string | null = null;
  error: Error = new Error('storage failure');
}
