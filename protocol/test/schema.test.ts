import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  CONV_MESSAGES,
  HybridClock,
  MAX_HLC_SKEW_MS,
  type Hlc,
  type MessageEntry,
  decodeHlc,
  isHlc,
  compareMessages,
  decodeStateVectorSafe,
  encodeHlc,
  encodeClockVector,
  isCovered,
  mapEntryItemId,
  parseMessageEntry,
} from '@concord/protocol';

function entry(author: string, rnd: string, hlc: string): MessageEntry {
  return { id: `${author}.${rnd}`, author, hlc: hlc as MessageEntry['hlc'], type: 'text', body: 'hi' };
}

describe('HLC and order', () => {
  test('[HLC-1] stamps are strictly increasing even when the wall clock stands still or goes back', () => {
    let wall = 1_000_000;
    const clock = new HybridClock(() => wall);
    const stamps = [clock.tick(), clock.tick()];
    wall -= 500;
    stamps.push(clock.tick());
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]! > stamps[i - 1]!).toBe(true);
  });

  test('[HLC-1] a reply from a device whose clock is behind sorts after what it answers', () => {
    const ahead = new HybridClock(() => 5_000_000);
    const behind = new HybridClock(() => 5_000_000 - 30 * 60_000);
    const question = ahead.tick();
    behind.observe(question);
    expect(behind.tick() > question).toBe(true);
  });

  test('[HLC-2] a far-future remote stamp moves the clock at most MAX_HLC_SKEW_MS ahead, and later stamps stay valid', () => {
    const wall = Date.UTC(2026, 11, 4);
    const clock = new HybridClock(() => wall);
    clock.observe('zzzzzzzzzzzzz' as Hlc);
    const next = clock.tick();
    expect(isHlc(next)).toBe(true);
    expect(decodeHlc(next).ms).toBeLessThanOrEqual(wall + MAX_HLC_SKEW_MS + 1);
    clock.observe(encodeHlc(wall + 100 * 365 * 86_400_000, 5));
    expect(decodeHlc(clock.tick()).ms).toBeLessThanOrEqual(wall + MAX_HLC_SKEW_MS + 1);
  });

  test('[HLC-2] a device whose clock is far behind stamps in server time once it knows it, and a reply still sorts after the question', () => {
    const server = Date.UTC(2026, 11, 4);
    const question = new HybridClock(() => server).tick();
    // A board without an RTC battery boots in 1970.
    const board = new HybridClock(() => 1_000);
    board.setReferenceTime(server);
    board.observe(question);
    const reply = board.tick();
    expect(reply > question).toBe(true);
    expect(decodeHlc(reply).ms - server).toBeLessThan(1_000);
    // Without the server's time, the same board cannot be dragged years ahead by one stamp.
    const lost = new HybridClock(() => 1_000);
    lost.observe(question);
    expect(decodeHlc(lost.tick()).ms).toBeLessThanOrEqual(1_000 + MAX_HLC_SKEW_MS + 1);
  });

  test('[HLC-1] string order is time order across digit boundaries', () => {
    expect(encodeHlc(35, 0) < encodeHlc(36, 0)).toBe(true);
    expect(encodeHlc(36, 1295) < encodeHlc(37, 0)).toBe(true);
  });

  test('[ORDER-1] order is HLC, then author, then id', () => {
    const h = encodeHlc(1000, 0);
    const list = [entry('bob', 'b', h), entry('amy', 'z', h), entry('amy', 'a', h), entry('zed', 'a', encodeHlc(999, 0))];
    expect(list.sort(compareMessages).map((m) => m.id)).toEqual(['zed.a', 'amy.a', 'amy.z', 'bob.b']);
  });
});

describe('message entries', () => {
  test('[ID-2] an entry whose author does not match its key is not a message', () => {
    const good = entry('amy', 'x1', encodeHlc(1, 0));
    expect(parseMessageEntry('amy.x1', good)).toEqual(good);
    expect(parseMessageEntry('bob.x1', good)).toBeNull();
    expect(parseMessageEntry('amy.x1', { ...good, author: 'bob' })).toBeNull();
    expect(parseMessageEntry('amy.x1', { ...good, hlc: 'yesterday' })).toBeNull();
    expect(parseMessageEntry('amy.x1', { ...good, type: 'script' })).toBeNull();
    expect(parseMessageEntry('amy.x1', { ...good, body: 'x'.repeat(8001) })).toBeNull();
    expect(parseMessageEntry('amy.x1', null)).toBeNull();
  });
});

describe('exact receipts', () => {
  test('[RCPT-1] a message that arrives after a mark is not covered by it, even with an older HLC', () => {
    const reader = new Y.Doc();
    const early = new Y.Doc();
    const late = new Y.Doc();
    early.getMap(CONV_MESSAGES).set('amy.1', entry('amy', '1', encodeHlc(2000, 0)));
    // Written offline "yesterday": older HLC, arrives after the reader marked.
    late.getMap(CONV_MESSAGES).set('bob.1', entry('bob', '1', encodeHlc(1000, 0)));

    Y.applyUpdate(reader, Y.encodeStateAsUpdate(early));
    const sv = Y.decodeStateVector(Y.encodeStateVector(reader));
    const mark = encodeClockVector(sv);
    Y.applyUpdate(reader, Y.encodeStateAsUpdate(late));

    const messages = reader.getMap(CONV_MESSAGES);
    const covered = decodeStateVectorSafe(mark);
    expect(isCovered(covered, mapEntryItemId(messages, 'amy.1')!)).toBe(true);
    expect(isCovered(covered, mapEntryItemId(messages, 'bob.1')!)).toBe(false);
  });

  test('[RCPT-1] a malformed mark covers nothing', () => {
    expect(decodeStateVectorSafe('%%%not base64').size).toBe(0);
    expect(decodeStateVectorSafe(undefined).size).toBe(0);
  });
});
