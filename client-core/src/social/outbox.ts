/**
 * [OUTBOX-1] Contact, block, privacy and profile changes are offline-first: each is stored in this device's outbox
 * (the storage kv `social-outbox`) before the call resolves, and sent in order whenever the link is up (at once,
 * and at every `online`). A change the server cannot take now (no network, 5xx, 429) stays and goes out later; one
 * it refuses (any other 4xx but 401: unknown user, duplicate, ...) leaves the outbox and is reported as `refused` (and kept
 * in `social-refused`, newest 20, so an app started later can still show it). The server's answer reaches every
 * device of both accounts through the user docs (SOCIAL-1).
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import type { FriendRequestBody, PrivacyUpdate, ProfileUpdate } from '@concord/protocol';
import { HttpError } from '../errors.js';
import { Emitter } from '../events/emitter.js';

export type SocialOp =
  | { readonly op: 'request'; readonly body: FriendRequestBody }
  | { readonly op: 'accept' | 'decline' | 'cancel' | 'remove' | 'block' | 'unblock'; readonly userId: string }
  | { readonly op: 'privacy'; readonly change: PrivacyUpdate }
  | { readonly op: 'profile'; readonly change: ProfileUpdate };

export interface QueuedOp {
  readonly id: string;
  readonly at: number;
  readonly op: SocialOp;
}

export interface SocialRefusal {
  readonly op: SocialOp;
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

const OUTBOX_KEY = 'social-outbox';
const REFUSED_KEY = 'social-refused';
const KEEP_REFUSED = 20;

export class SocialOutbox {
  readonly events = new Emitter<{ changed: readonly QueuedOp[]; refused: SocialRefusal }>();
  private queue: QueuedOp[] = [];
  private refusals: SocialRefusal[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly send: (op: SocialOp) => Promise<unknown>,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    this.queue = readJson(await this.storage.getKv(OUTBOX_KEY), isQueued);
    this.refusals = readJson(await this.storage.getKv(REFUSED_KEY), isRefusal);
    this.seq = this.queue.length;
  }

  pending(): readonly QueuedOp[] {
    return this.queue;
  }

  refused(): readonly SocialRefusal[] {
    return this.refusals;
  }

  /** Stores the change durably, then tries to send it (resolves once stored, never waits for the network). */
  async add(op: SocialOp): Promise<void> {
    this.queue = [...this.queue, { id: `${this.now()}-${this.seq++}`, at: this.now(), op }];
    await this.persist();
    this.events.emit('changed', this.queue);
    this.kick();
  }

  /** Sends what is queued, in order; one run at a time (a kick during a run runs again after it). */
  kick(): void {
    if (this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    // A failure to persist (storage closed under a run at logout) ends the run; what is stored is retried next time.
    this.running = this.run().catch(() => undefined).finally(() => {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when the current run (if any) is over. */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async run(): Promise<void> {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || this.closed) return;
      try {
        await this.send(head.op);
      } catch (err) {
        if (!(err instanceof HttpError) || later(err)) return;
        const refusal: SocialRefusal = { op: head.op, code: err.code, message: err.message, at: this.now() };
        this.refusals = [...this.refusals, refusal].slice(-KEEP_REFUSED);
        await this.drop(head.id);
        this.events.emit('refused', refusal);
        continue;
      }
      await this.drop(head.id);
    }
  }

  private async drop(id: string): Promise<void> {
    this.queue = this.queue.filter((q) => q.id !== id);
    await this.persist();
    this.events.emit('changed', this.queue);
  }

  private async persist(): Promise<void> {
    const enc = new TextEncoder();
    await this.storage.setKv(OUTBOX_KEY, enc.encode(JSON.stringify(this.queue)));
    await this.storage.setKv(REFUSED_KEY, enc.encode(JSON.stringify(this.refusals)));
    await this.storage.flush();
  }
}

/**
 * Not now, later: no network, the server failed, it asks to slow down, or the session is dead (after the next login
 * the change goes out, as unsent messages do, CONN-6).
 */
function later(err: HttpError): boolean {
  return err.status === 0 || err.status === 401 || err.status === 429 || err.status >= 500;
}

function readJson<T>(bytes: Uint8Array | undefined, ok: (v: unknown) => v is T): T[] {
  if (bytes === undefined) return [];
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return Array.isArray(v) ? v.filter(ok) : [];
  } catch {
    return [];
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOp(v: unknown): v is SocialOp {
  return isObj(v) && typeof v['op'] === 'string';
}

function isQueued(v: unknown): v is QueuedOp {
  return isObj(v) && typeof v['id'] === 'string' && typeof v['at'] === 'number' && isOp(v['op']);
}

function isRefusal(v: unknown): v is SocialRefusal {
  return isObj(v) && isOp(v['op']) && typeof v['code'] === 'string' && typeof v['message'] === 'string' && typeof v['at'] === 'number';
}
