/**
 * [PRES-1] What this device knows of other users' presence: the server's PRESENCE frames, kept per user. The server
 * sends only what the subject's setting lets this account see (PRES-3), so "unknown" and "hidden" look alike here.
 * A link that drops makes everyone's state stale: it is forgotten, and the next WELCOME's frames bring it back.
 */
import { Emitter } from '../events/emitter.js';

export interface PresenceView {
  readonly online: boolean;
  /** When the user was last online (ms since the epoch), or null when not known or not shown. */
  readonly lastSeen: number | null;
}

/** A user's presence changed (an interface, not an intersection: the OpenHarmony app's ArkTS takes none). */
export interface PresenceChange extends PresenceView {
  readonly userId: string;
}

export interface PresenceEvents {
  presence: PresenceChange;
}

const UNKNOWN: PresenceView = { online: false, lastSeen: null };

export class PresenceBook {
  readonly events = new Emitter<PresenceEvents>();
  private readonly byUser = new Map<string, PresenceView>();

  /** A PRESENCE frame. */
  update(userId: string, online: boolean, lastSeen: number): void {
    const view: PresenceView = { online, lastSeen: lastSeen > 0 ? lastSeen : null };
    const prev = this.byUser.get(userId);
    if (prev !== undefined && prev.online === view.online && prev.lastSeen === view.lastSeen) return;
    this.byUser.set(userId, view);
    this.events.emit('presence', { userId, ...view });
  }

  get(userId: string): PresenceView {
    return this.byUser.get(userId) ?? UNKNOWN;
  }

  /** The link dropped: nobody is known to be online any more (last-seen times stay true). */
  stale(): void {
    for (const [userId, v] of [...this.byUser]) if (v.online) this.update(userId, false, v.lastSeen ?? 0);
  }
}
