/**
 * [SCHEMA-ROOTS-1] The one table of doc roots (SPEC.md): which top-level maps of each doc kind exist, which of them
 * clients may write, and for each client-writable root its key owner, its value check, its reader and whether its
 * entries are immutable. The server's trust rule (sync-server/src/trust/rules.ts: TRUST-1..7, TRUST-15, HLC-2) and
 * its server-only check (VAL-3, sync-server/src/sync/validate.ts) derive from it, and client-core reads entries only
 * through `readEntry`, so a root is added in one place, and a root missing here is refused by the server and
 * ignored by the clients.
 */
import { CONV_EDITS, CONV_MESSAGES, CONV_META, CONV_RECEIPTS, parseMessageEntry, receiptKey, receiptKeyUser, type MessageEntry } from './conv.js';
import { isHlc, type Hlc } from './hlc.js';
import { messageIdAuthor } from './ids.js';
import { draftProblem, editProblem, messageProblem, prefProblem, receiptProblem } from './rootValues.js';
import { USER_CONVS, USER_DRAFTS, USER_PREFS } from './user.js';
import { CONV_REACTIONS, USER_HIDDEN, hiddenProblem, isRecallValue, parseReactionKey, reactionProblem } from './actions.js';
import { SOCIAL_SERVER_ROOTS } from './socialRoots.js';

export type DocKind = 'conv' | 'user';

/** The connection writing: its account and device. */
export interface Writer {
  readonly userId: string;
  readonly deviceId: string;
}

/** The server's configurable bounds a value check needs (TRUST-9: `maxMessageLength`). */
export interface ValueBounds {
  readonly maxMessageLength: number;
}

/** An edit as clients read it: a body when the edit has one, and whether the message was deleted. */
export interface EditRead {
  readonly body?: string;
  readonly deleted: boolean;
}

/** A receipt mark as clients read it: each field only when it has its type (vectors are decoded leniently). */
export interface ReceiptRead {
  readonly userId: string;
  readonly dsv?: string;
  readonly rsv?: string;
  readonly rhlc?: Hlc;
}

/** One client-writable root. `T` is what its reader gives clients for an entry. */
export interface ClientRoot<T> {
  readonly kind: DocKind;
  readonly name: string;
  /** What one entry is called in refusals ("message entries are immutable"). */
  readonly noun: string;
  /**
   * Who may write (or delete) `key`: a refusal, with its rule, or null. User docs are reached only by their own user
   * (AUTHZ-1), so their roots' keys are all the writer's.
   */
  owner(key: string, writer: Writer): string | null;
  /** The value's shape and bounds: a refusal, with its rule, or null. Total: never throws. */
  problem(key: string, value: unknown, bounds: ValueBounds): string | null;
  /** [HLC-2] The HLC stamp a value carries, bounded by the server's clock, or undefined. */
  stamp(value: unknown): unknown;
  /** [TRUST-2] Entries are never overwritten or deleted once written. */
  readonly immutable: boolean;
  /** [ACT-2] Whether an entry holding `value` is final: never overwritten or deleted once written (a recall). */
  readonly final?: (value: unknown) => boolean;
  /** What clients read from an entry, or null for one they skip (a buggy or hostile writer's). Total. */
  read(key: string, value: unknown): T | null;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** Refusals of a message's basic shape (TRUST-1); the other messageProblem answers are bounds (TRUST-15). */
const MESSAGE_SHAPE = ['not a well-formed message entry for its key'];

/** A rule's ID before a check's reason, or null when there is no reason. */
function cite(rule: string, reason: string | null): string | null {
  return reason === null ? null : `${rule}: ${reason}`;
}

const messages: ClientRoot<MessageEntry> = {
  kind: 'conv',
  name: CONV_MESSAGES,
  noun: 'message',
  owner: (key, w) => (messageIdAuthor(key) === w.userId ? null : 'TRUST-1: a message key must start with the author, who is the sender'),
  problem: (key, value, b) => {
    const p = messageProblem(key, value, b.maxMessageLength);
    if (p === null) return null;
    if (p.includes('mention')) return cite('ACT-7', p);
    return cite(p.startsWith('body') ? 'TRUST-9' : MESSAGE_SHAPE.includes(p) ? 'TRUST-1' : 'TRUST-15', p);
  },
  stamp: (value) => field(value, 'hlc'),
  immutable: true,
  read: parseMessageEntry,
};

const edits: ClientRoot<EditRead> = {
  kind: 'conv',
  name: CONV_EDITS,
  noun: 'edit',
  owner: (key, w) => (messageIdAuthor(key) === w.userId ? null : "TRUST-3: only a message's author edits it"),
  problem: (_key, value, b) => cite('TRUST-3', editProblem(value, b.maxMessageLength)),
  stamp: (value) => field(value, 'hlc'),
  immutable: false,
  // [ACT-2] A recall is final: the message stays recalled, whatever its author writes later.
  final: isRecallValue,
  read: (_key, value) => {
    if (typeof value !== 'object' || value === null) return null;
    const body = field(value, 'body');
    const deleted = field(value, 'deleted') === true;
    return typeof body === 'string' ? { body, deleted } : { deleted };
  },
};

const receipts: ClientRoot<ReceiptRead> = {
  kind: 'conv',
  name: CONV_RECEIPTS,
  noun: 'receipt',
  owner: (key, w) => (key === receiptKey(w.userId, w.deviceId) ? null : 'TRUST-4: a device writes only its own receipt key'),
  problem: (_key, value) => cite('TRUST-4', receiptProblem(value)),
  stamp: (value) => field(value, 'rhlc'),
  immutable: false,
  read: (key, value) => {
    const userId = receiptKeyUser(key);
    if (userId === null || typeof value !== 'object' || value === null) return null;
    const dsv = field(value, 'dsv');
    const rsv = field(value, 'rsv');
    const rhlc = field(value, 'rhlc');
    return {
      userId,
      ...(typeof dsv === 'string' ? { dsv } : {}),
      ...(typeof rsv === 'string' ? { rsv } : {}),
      ...(isHlc(rhlc) ? { rhlc } : {}),
    };
  },
};

/** A reaction entry as clients read it: whose, to which message, which emoji. */
export interface ReactionRead {
  readonly userId: string;
  readonly messageId: string;
  readonly emoji: readonly string[];
}

const reactions: ClientRoot<ReactionRead> = {
  kind: 'conv',
  name: CONV_REACTIONS,
  noun: 'reaction',
  owner: (key, w) => (parseReactionKey(key)?.userId === w.userId ? null : 'ACT-6: a user writes only their own reaction keys (<userId>/<messageId>)'),
  problem: (_key, value) => cite('ACT-6', reactionProblem(value)),
  stamp: () => undefined,
  immutable: false,
  read: (key, value) => {
    const k = parseReactionKey(key);
    if (k === null || reactionProblem(value) !== null) return null;
    return { userId: k.userId, messageId: k.messageId, emoji: value as string[] };
  },
};

const anyKeyOfTheDocsUser = (): null => null;

const prefs: ClientRoot<number | boolean> = {
  kind: 'user',
  name: USER_PREFS,
  noun: 'pref',
  owner: anyKeyOfTheDocsUser,
  problem: (key, value) => cite('TRUST-7', prefProblem(key, value)),
  stamp: () => undefined,
  immutable: false,
  // Pins are times and mutes booleans (`pin:<id>`, `mute:<id>`); the list reads each by its type.
  read: (_key, value) => (typeof value === 'number' || typeof value === 'boolean' ? value : null),
};

const drafts: ClientRoot<string> = {
  kind: 'user',
  name: USER_DRAFTS,
  noun: 'draft',
  owner: anyKeyOfTheDocsUser,
  problem: (key, value, b) => cite('TRUST-7', draftProblem(key, value, b.maxMessageLength)),
  stamp: () => undefined,
  immutable: false,
  read: (_key, value) => (typeof value === 'string' ? value : null),
};

const hidden: ClientRoot<true> = {
  kind: 'user',
  name: USER_HIDDEN,
  noun: 'hidden message',
  owner: anyKeyOfTheDocsUser,
  problem: (key, value) => cite('ACT-4', hiddenProblem(key, value)),
  stamp: () => undefined,
  immutable: false,
  read: (key, value) => (hiddenProblem(key, value) === null ? true : null),
};

/** Every client-writable root, by doc kind and name. Adding a root is one entry here (plus its tests). */
export const CLIENT_ROOTS = {
  conv: { [CONV_MESSAGES]: messages, [CONV_EDITS]: edits, [CONV_RECEIPTS]: receipts, [CONV_REACTIONS]: reactions },
  user: { [USER_PREFS]: prefs, [USER_DRAFTS]: drafts, [USER_HIDDEN]: hidden },
} as const;

/** [VAL-3] The roots only the server writes: the mirrors of the membership tables (HTTP-12) and the social ones (SOCIAL-1). */
export const SERVER_ROOTS: { readonly [K in DocKind]: readonly string[] } = {
  conv: [CONV_META, ...SOCIAL_SERVER_ROOTS.conv],
  user: [USER_CONVS, ...SOCIAL_SERVER_ROOTS.user],
};

type ClientRoots = typeof CLIENT_ROOTS;
type ReadOf<K extends DocKind, R extends keyof ClientRoots[K]> = ClientRoots[K][R] extends ClientRoot<infer T> ? T : never;

/** The client-writable root `name` of a `kind` doc, or null: a name missing from the table is nobody's to write. */
export function clientRoot(kind: DocKind, name: string): ClientRoot<unknown> | null {
  const roots: Readonly<Record<string, ClientRoot<unknown>>> = CLIENT_ROOTS[kind];
  // Own keys only: `toString` or `__proto__` is no root.
  return Object.prototype.hasOwnProperty.call(roots, name) ? (roots[name] ?? null) : null;
}

/** [TRUST-5] The names of the roots clients may write in a `kind` doc. */
export function clientRootNames(kind: DocKind): readonly string[] {
  return Object.keys(CLIENT_ROOTS[kind]);
}

/** What a client reads from the entry `key` = `value` of a client-writable root: the root's reader, typed. */
export function readEntry<K extends DocKind, R extends keyof ClientRoots[K] & string>(kind: K, root: R, key: string, value: unknown): ReadOf<K, R> | null {
  // clientRoot looks the name up at run time: a root taken out of the table is read as nothing, not as a stale shape.
  return (clientRoot(kind, root)?.read(key, value) ?? null) as ReadOf<K, R> | null;
}
