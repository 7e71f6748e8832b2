/** Message actions' shapes (SPEC ACT-*): the value checks the server applies and the readers clients use. */
import { describe, expect, test } from 'vitest';
import {
  MAX_MENTIONS,
  MAX_REACTIONS_PER_USER,
  clientRoot,
  hiddenKey,
  hiddenProblem,
  isRecallValue,
  mentionsProblem,
  parseMessageEntry,
  parseReactionKey,
  reactionKey,
  reactionProblem,
  readEntry,
} from '@concord/protocol';

const msg = { id: 'alice.m1', author: 'alice', hlc: '0000000000001', type: 'text', body: 'hi' };

function messageProblem(key: string, value: unknown): string | null {
  const root = clientRoot('conv', 'messages');
  if (root === null) throw new Error('messages is a root');
  return root.problem(key, value, { maxMessageLength: 8000 });
}

describe('message actions in the schema', () => {
  test('[ACT-6] reaction keys name the reacting user and a message; values are a few distinct short strings', () => {
    expect(parseReactionKey(reactionKey('bob', 'alice.m1'))).toEqual({ userId: 'bob', messageId: 'alice.m1' });
    for (const bad of ['bob', 'bob/', '/alice.m1', 'bob/alice', 'b b/alice.m1']) expect(parseReactionKey(bad)).toBeNull();
    expect(reactionProblem(['👍', '👍🏽', '🧑‍💻'])).toBeNull();
    expect(reactionProblem([])).toBeNull();
    expect(reactionProblem(Array.from({ length: MAX_REACTIONS_PER_USER + 1 }, (_, i) => String(i)))).toMatch(/at most/);
    for (const bad of [['a', 'a'], [' '], ['x'.repeat(17)], [1], 'x', null, { e: 'x' }]) expect(reactionProblem(bad)).not.toBeNull();
    expect(readEntry('conv', 'reactions', 'bob/alice.m1', ['👍'])).toEqual({ userId: 'bob', messageId: 'alice.m1', emoji: ['👍'] });
    expect(readEntry('conv', 'reactions', 'bob/alice.m1', ['👍', '👍'])).toBeNull();
    expect(clientRoot('conv', 'reactions')?.owner('bob/alice.m1', { userId: 'alice', deviceId: 'd' })).toMatch(/^ACT-6/);
  });

  test('[ACT-7] mentions ride on a message entry, bounded; other unknown fields still do not', () => {
    expect(messageProblem('alice.m1', { ...msg, mentions: ['bob', 'carol'] })).toBeNull();
    expect(parseMessageEntry('alice.m1', { ...msg, mentions: ['bob'] })?.mentions).toEqual(['bob']);
    expect(parseMessageEntry('alice.m1', { ...msg, mentions: 'bob' })).toBeNull();
    expect(mentionsProblem(Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `u${i}`))).not.toBeNull();
    expect(mentionsProblem(['bob', 'bob'])).not.toBeNull();
    expect(clientRoot('conv', 'messages')?.problem('alice.m1', { ...msg, mentions: ['bob', 'bob'] }, { maxMessageLength: 8000 })).toMatch(/^ACT-7/);
    expect(messageProblem('alice.m1', { ...msg, reactions: ['x'] })).toMatch(/^TRUST-15: unknown field in a message entry/);
  });

  test('[ACT-4] hidden entries are <conversationId>/<messageId> -> true', () => {
    expect(hiddenProblem(hiddenKey('c1', 'alice.m1'), true)).toBeNull();
    expect(hiddenProblem('c1/alice.m1', false)).not.toBeNull();
    expect(hiddenProblem('c1/alice', true)).not.toBeNull();
    expect(hiddenProblem('alice.m1', true)).not.toBeNull();
    expect(readEntry('user', 'hidden', 'c1/alice.m1', true)).toBe(true);
  });

  test('[ACT-2] a recall is an edit with deleted: true, and final', () => {
    expect(isRecallValue({ hlc: '0000000000001', deleted: true })).toBe(true);
    expect(isRecallValue({ hlc: '0000000000001', body: 'x' })).toBe(false);
    expect(isRecallValue(null)).toBe(false);
    expect(clientRoot('conv', 'edits')?.final?.({ deleted: true })).toBe(true);
  });
});
