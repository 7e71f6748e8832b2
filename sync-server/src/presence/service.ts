/**
 * [PRES-1..4] Presence, pushed by the server: a user is online while any of their devices has a socket open (plus a
 * short grace, so a reconnect does not flicker), and "last seen" is when the last one closed. The people who hear of
 * it are the user's related users (the other members of their direct chats; contacts once they exist) whose devices
 * are connected, and only as far as the user's visibility setting allows (PRES-3). It costs nothing per idle socket:
 * no timers, no per-peer state; one query and one frame per viewer device when a user's first socket opens or the
 * last one closes.
 */
import { encodeFrame, FrameKind, type PresenceVisibility } from '@concord/protocol';
import type { PresenceStore } from './store.js';

/** A connected device as presence needs it. */
export interface PresencePeer {
  readonly auth: { readonly userId: string };
  send(data: Uint8Array): void;
}

export interface PresenceDeps {
  readonly store: PresenceStore;
  /** The multiplexed sockets of a user (only they can carry PRESENCE). */
  readonly peersOf: (userId: string) => readonly PresencePeer[];
  /** Whether a user has any socket open (either endpoint). */
  readonly connected: (userId: string) => boolean;
  /** How long after the last socket closed a user still counts as online (reconnects do not flicker). */
  readonly offlineGraceMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_OFFLINE_GRACE_MS = 5_000;

export class PresenceService {
  /** Users whose last socket closed, announced offline when the grace ends. */
  private readonly leaving = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly grace: number;
  private readonly now: () => number;

  constructor(private readonly deps: PresenceDeps) {
    this.grace = deps.offlineGraceMs ?? DEFAULT_OFFLINE_GRACE_MS;
    this.now = deps.now ?? Date.now;
  }

  /** The hub's count of a user's sockets went from 0 to 1 (`online`) or from 1 to 0. */
  socketsChanged(userId: string, online: boolean): void {
    const pending = this.leaving.get(userId);
    if (online) {
      // Back within the grace: nobody was told they left, so nobody is told they are back.
      if (pending !== undefined) {
        clearTimeout(pending);
        this.leaving.delete(userId);
        return;
      }
      this.announce(userId);
      return;
    }
    if (pending !== undefined) return;
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      if (this.deps.connected(userId)) return;
      this.deps.store.setLastSeen(userId, this.now());
      this.announce(userId);
    }, this.grace);
    timer.unref?.();
    this.leaving.set(userId, timer);
  }

  /** [PRES-2] A device was welcomed: it hears the presence of everyone it may see, once. */
  welcomed(peer: PresencePeer): void {
    const viewer = peer.auth.userId;
    for (const subject of this.related(viewer)) {
      if (this.maySee(viewer, subject)) peer.send(this.frame(subject));
    }
  }

  /**
   * [PRES-2] The user's relations changed (a direct chat was created): both sides hear of each other now, not at
   * their next connection. Repeats are harmless: clients keep the latest state per user.
   */
  introduce(userId: string): void {
    const mine = this.deps.peersOf(userId);
    for (const other of this.related(userId)) {
      if (mine.length > 0 && this.maySee(userId, other)) {
        const bytes = this.frame(other);
        for (const p of mine) p.send(bytes);
      }
      const theirs = this.deps.peersOf(other);
      if (theirs.length > 0 && this.maySee(other, userId)) {
        const bytes = this.frame(userId);
        for (const p of theirs) p.send(bytes);
      }
    }
  }

  isOnline(userId: string): boolean {
    return this.deps.connected(userId) || this.leaving.has(userId);
  }

  /**
   * [PRES-3] A user changed who may see them: viewers who lose sight hear "offline, never seen" (what a hidden user
   * looks like), viewers who gain it hear the truth.
   */
  visibilityChanged(userId: string, before: PresenceVisibility): void {
    const hidden = encodeFrame({ kind: FrameKind.Presence, userId, online: false, lastSeen: 0 });
    const truth = this.frame(userId);
    for (const viewer of this.related(userId)) {
      const was = this.allowed(before, viewer, userId);
      const is = this.maySee(viewer, userId);
      if (was === is) continue;
      for (const p of this.deps.peersOf(viewer)) p.send(is ? truth : hidden);
    }
  }

  close(): void {
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
  }

  private announce(subject: string): void {
    let bytes: Uint8Array | null = null;
    for (const viewer of this.related(subject)) {
      const peers = this.deps.peersOf(viewer);
      if (peers.length === 0 || !this.maySee(viewer, subject)) continue;
      bytes ??= this.frame(subject);
      for (const p of peers) p.send(bytes);
    }
  }

  private frame(subject: string): Uint8Array {
    const online = this.isOnline(subject);
    return encodeFrame({ kind: FrameKind.Presence, userId: subject, online, lastSeen: online ? 0 : (this.deps.store.lastSeen(subject) ?? 0) });
  }

  private related(userId: string): string[] {
    return this.deps.store.directPartnersOf(userId);
  }

  private maySee(viewer: string, subject: string): boolean {
    if (this.deps.store.blocked(subject, viewer)) return false;
    return this.allowed(this.deps.store.visibility(subject), viewer, subject);
  }

  private allowed(v: PresenceVisibility, viewer: string, subject: string): boolean {
    if (v === 'everyone') return true;
    if (v === 'nobody') return false;
    return this.deps.store.areContacts(subject, viewer);
  }
}
