/*
 * ChatSession (the chat page's rows) against a scripted conversation view: what paging back and live updates do to
 * the LazyForEach model. Every state is compared with the full render the pages used to get (timeLabelFlags and
 * chatTimeLabel over every loaded message), and every event stream is replayed the way LazyForEach would apply it.
 * No clocks or timers: `now` and the time words are fixed by each test.
 */
import { seededRandom } from '@concord/test-support';
import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '@concord/client-core';
import { ChatSession } from '../entry/src/main/ets/facade/chatSession';
import { type ConcordApp } from '../entry/src/main/ets/facade/ConcordApp';
import type { ChatRow } from '../entry/src/main/ets/facade/rows';
import type { KeyedListModel } from '../entry/src/main/ets/logic/listModel';
import { chatTimeLabel, timeLabelFlags, WORDS_EN, WORDS_ZH, type ViewWords as TimeWords } from '@concord/client-core';
import { recordEvents, replayEvents } from './listEvents';

const PAGE = 50;
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
const NOW = at(2026, 3, 12, 15, 30);

type Status = NonNullable<Message['status']>;

function message(i: number, sentAt: number, own = i % 3 !== 0, status: Status = 'read'): Message {
  const author = own ? 'me' : 'you';
  return {
    id: `${author}.${String(i).padStart(6, '0')}`,
    author,
    hlc: `${String(sentAt).padStart(15, '0')}.${String(i).padStart(6, '0')}`,
    sentAt,
    type: 'text',
    body: `m${i}`,
    edited: false,
    deleted: false,
    own,
    ...(own ? { status } : {}),
  } as Message;
}

/** The part of client-core's Conversation a ChatSession uses, over an in-memory history (oldest first). */
class ScriptedConversation {
  readonly id = 'conv-1';
  reachedStart = false;
  readonly evicted: number[] = [];
  private readonly listeners: ((m: readonly Message[]) => void)[] = [];
  /** A direct chat whose members are not known (the status line then shows typing only). */
  readonly meta = null;
  readonly events = {
    on: (name: string, cb: (m: readonly Message[]) => void): (() => void) => {
      // Only 'messages' is scripted; 'typing' never fires here.
      if (name !== 'messages') return () => undefined;
      this.listeners.push(cb);
      return () => this.listeners.splice(this.listeners.indexOf(cb), 1);
    },
  };
  constructor(public history: Message[]) {}
  messages(): Message[] {
    return this.history.slice(-PAGE).map((m) => ({ ...m }));
  }
  async loadOlder(before: string, limit: number): Promise<Message[]> {
    const i = this.history.findIndex((m) => m.id === before);
    if (i - limit <= 0) this.reachedStart = true;
    return this.history.slice(Math.max(0, i - limit), i).map((m) => ({ ...m }));
  }
  olderPage(before: string, limit: number): Message[] {
    const i = this.history.findIndex((m) => m.id === before);
    if (i < 0) throw new Error(`no message ${before}`);
    return this.history.slice(Math.max(0, i - limit), i).map((m) => ({ ...m }));
  }
  evict(keep: number): void {
    this.evicted.push(keep);
  }
  /** client-core's 'messages' event: the newest page after a change. */
  changed(): void {
    for (const l of this.listeners.slice()) l(this.messages());
  }
  update(i: number, patch: Partial<Message>): void {
    this.history[i] = { ...this.history[i]!, ...patch } as Message;
  }
}

class Clock {
  now = NOW;
  words: TimeWords = WORDS_EN;
}

function open(history: Message[], clock = new Clock(), unread = 0): { chat: ChatSession; conv: ScriptedConversation; clock: Clock } {
  const conv = new ScriptedConversation(history);
  const client = { session: null, events: { on: () => () => undefined }, presenceOf: () => ({ online: false, lastSeen: null }) };
  const app = { client, timeWords: () => clock.words, nowMs: () => clock.now, nameOf: () => '', chatRead: async () => undefined, chatClosed: () => undefined };
  const chat = new ChatSession(app as unknown as ConcordApp, conv as unknown as Conversation, 'chat', () => clock.now, '', false, unread);
  return { chat, conv, clock };
}

/** What the old full render showed for these messages: id|label|text|status per row. */
function fullRender(msgs: Message[], clock: Clock): string[] {
  const flags = timeLabelFlags(msgs.map((m) => m.sentAt));
  return msgs.map((m, i) => `${m.id}|${flags[i] ? chatTimeLabel(m.sentAt, clock.now, clock.words) : ''}|${m.deleted ? '' : m.body}|${m.status ?? ''}`);
}
const shown = (rows: readonly ChatRow[]) => rows.map((r) => `${r.id}|${r.timeLabel}|${r.text}|${r.status}`);

const seq = (kind: string, from: number, n: number) => Array.from({ length: n }, (_, i) => `${kind}${from + i}`);

describe('ChatSession paging and live updates touch only what changed', () => {
  it('an older page into 1,000 rows: 50 adds on top and one change at the seam; every other row keeps its object', async () => {
    // Bursts of 7 messages a second apart, 10 minutes between bursts: the top row (message 1000) ends a burst whose
    // label the page above takes over; the next burst is labelled either way, so nothing below the seam changes.
    const history = Array.from({ length: 2000 }, (_, i) => message(i, at(2026, 3, 10, 9) + Math.floor(i / 7) * 600_000 + (i % 7) * 1000));
    const { chat, clock } = open(history);
    while (chat.rows.count() < 1000) expect(await chat.loadOlder()).toBe(true);
    const before = chat.rows.all();
    expect(before[0]!.timeLabel).not.toBe('');
    const log = recordEvents(chat.rows);

    expect(await chat.loadOlder()).toBe(true);

    expect(log).toEqual([...seq('add', 0, PAGE), `chg${PAGE}`]);
    expect(chat.rows.count()).toBe(1050);
    expect(chat.rows.at(0)!.timeLabel).toBe(chatTimeLabel(history[950]!.sentAt, NOW, WORDS_EN));
    expect(chat.rows.at(PAGE - 6)!.timeLabel).toBe(chatTimeLabel(history[994]!.sentAt, NOW, WORDS_EN));
    expect(chat.rows.at(PAGE)!.id).toBe(before[0]!.id);
    expect(chat.rows.at(PAGE)!.timeLabel).toBe('');
    for (let i = 1; i < before.length; i++) expect(chat.rows.at(PAGE + i), `row ${i}`).toBe(before[i]);
    expect(shown(chat.rows.all())).toEqual(fullRender(history.slice(950), clock));
    expect(replayEvents(before, log, chat.rows)).toEqual(chat.rows.all());
  });

  it('the seam decides the next rows too: relabels down only until the label anchors agree again', async () => {
    const t0 = at(2026, 3, 12, 9);
    const sec = 1000;
    // The page above ends with a label 250 s before t0 (labels within 5 minutes of the last one are shared, VIEW-3).
    // Loaded (seconds after t0) and labels before -> after:
    //   0: T -> -   150: - -> T   325: T -> -   500: - -> T   825: T -> T (anchor 825 either way: stop)   1000...
    const older = Array.from({ length: PAGE }, (_, i) => message(i, t0 - 250 * sec - (PAGE - 1 - i) * 2500 * sec));
    const times = [0, 150, 325, 500, 825, 1000, 1150, ...Array.from({ length: PAGE - 7 }, (_, i) => 3650 + i * 2500)];
    const loaded = times.map((x, i) => message(PAGE + i, t0 + x * sec));
    const { chat, clock } = open([...older, ...loaded]);
    const before = chat.rows.all();
    expect(before.map((r) => r.timeLabel !== '').slice(0, 7)).toEqual([true, false, true, false, true, false, true]);
    const log = recordEvents(chat.rows);

    expect(await chat.loadOlder()).toBe(true);

    expect(log).toEqual([...seq('add', 0, PAGE), ...seq('chg', PAGE, 4)]);
    const after = chat.rows.all();
    expect(after.slice(PAGE, PAGE + 7).map((r) => r.timeLabel !== '')).toEqual([false, true, false, true, true, false, true]);
    for (let i = 4; i < before.length; i++) expect(after[PAGE + i], `row ${i}`).toBe(before[i]);
    expect(shown(after)).toEqual(fullRender([...older, ...loaded], clock));
    expect(chat.hasOlder).toBe(true);
    expect(await chat.loadOlder()).toBe(false);
    expect(chat.hasOlder).toBe(false);
  });

  it('a status tick is one change and a new message one add, at any depth; deleted messages show ""', async () => {
    const history = Array.from({ length: 600 }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 45_000));
    const { chat, conv, clock } = open(history);
    while (chat.rows.count() < 500) await chat.loadOlder();
    const n = chat.rows.count();
    let mirror = chat.rows.all();
    let log = recordEvents(chat.rows);

    conv.update(599, { status: 'sent' });
    conv.changed();
    expect(log).toEqual([`chg${n - 1}`]);
    expect(chat.rows.at(n - 1)!.status).toBe('sent');
    for (let i = 0; i < n - 1; i++) expect(chat.rows.at(i)).toBe(mirror[i]);
    mirror = replayEvents(mirror, log, chat.rows);

    log = recordEvents(chat.rows);
    conv.history.push(message(600, history[599]!.sentAt + 1000, true, 'sending'));
    conv.changed();
    expect(log).toEqual([`add${n}`]);
    mirror = replayEvents(mirror, log, chat.rows);

    log = recordEvents(chat.rows);
    conv.update(580, { deleted: true, body: 'still in the doc' });
    conv.changed();
    const deletedAt = chat.rows.indexOfKey(history[580]!.id);
    expect(log).toEqual([`chg${deletedAt}`]);
    expect(chat.rows.at(deletedAt)!.text).toBe('');
    mirror = replayEvents(mirror, log, chat.rows);

    log = recordEvents(chat.rows);
    conv.changed(); // nothing changed: no events
    expect(log).toEqual([]);
    expect(mirror).toEqual(chat.rows.all());
    expect(shown(chat.rows.all())).toEqual(fullRender(conv.history.slice(-chat.rows.count()), clock));
  });

  it('a failed message the user retried leaves the list when client-core hides it: only its re-send shows', async () => {
    const history = Array.from({ length: 120 }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 45_000));
    const { chat, conv, clock } = open(history);
    await chat.loadOlder();
    const failed = message(120, at(2026, 3, 12, 11), true, 'failed');
    conv.history.push(failed);
    conv.changed();
    expect(chat.rows.at(chat.rows.count() - 1)!.status).toBe('failed');
    let mirror = chat.rows.all();
    const log = recordEvents(chat.rows);
    // What Conversation.retry does (FAIL-1): the body goes out as a new entry and the failed one is hidden.
    conv.history.pop();
    conv.history.push({ ...message(121, at(2026, 3, 12, 11, 1), true, 'sending'), body: failed.body });
    conv.changed();
    mirror = replayEvents(mirror, log, chat.rows);
    expect(mirror).toEqual(chat.rows.all());
    expect(chat.rows.indexOfKey(failed.id)).toBe(-1);
    expect(shown(chat.rows.all())).toEqual(fullRender(conv.history.slice(-chat.rows.count()), clock));
    expect(chat.rows.count()).toBe(2 * PAGE + 1);
  });

  it('more new messages at once than a page holds: the list starts over at the newest page and pages back without a gap', async () => {
    const history = Array.from({ length: 200 }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 45_000));
    const { chat, conv, clock } = open(history);
    await chat.loadOlder();
    expect(chat.rows.count()).toBe(2 * PAGE);
    // 30 at once still overlap the newest page: they are appended below the loaded rows.
    for (let i = 200; i < 230; i++) conv.history.push(message(i, at(2026, 3, 12, 12) + i * 1_000));
    conv.changed();
    expect(shown(chat.rows.all())).toEqual(fullRender(conv.history.slice(100), clock));
    // 120 at once (a device back online): the newest page no longer meets the loaded rows.
    for (let i = 230; i < 350; i++) conv.history.push(message(i, at(2026, 3, 12, 13) + i * 1_000));
    let mirror = chat.rows.all();
    const log = recordEvents(chat.rows);
    conv.changed();
    mirror = replayEvents(mirror, log, chat.rows);
    expect(mirror).toEqual(chat.rows.all());
    expect(shown(chat.rows.all())).toEqual(fullRender(conv.history.slice(-PAGE), clock));
    expect(chat.hasOlder).toBe(true);
    // Scrolling up brings the skipped messages, in order, with nothing missing between them and the newest page.
    await chat.loadOlder();
    await chat.loadOlder();
    expect(shown(chat.rows.all())).toEqual(fullRender(conv.history.slice(-3 * PAGE), clock));
  });

  it('atBottom: the rows above the newest page go, the newest rows keep their objects, the new top row is labelled', async () => {
    const history = Array.from({ length: 400 }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 20_000));
    const { chat, conv, clock } = open(history);
    for (let p = 0; p < 5; p++) await chat.loadOlder();
    expect(chat.rows.count()).toBe(300);
    const before = chat.rows.all();
    const log = recordEvents(chat.rows);
    chat.atBottom();
    expect(conv.evicted).toEqual([PAGE]);
    expect(log[0]).toBe('reload'); // 250 deletes: one reload instead
    expect(chat.rows.count()).toBe(PAGE);
    expect(shown(chat.rows.all())).toEqual(fullRender(history.slice(-PAGE), clock));
    expect(chat.rows.at(0)!.timeLabel).not.toBe('');
    for (let i = 0; i < PAGE; i++) {
      if (chat.rows.at(i)!.timeLabel === before[250 + i]!.timeLabel) expect(chat.rows.at(i)).toBe(before[250 + i]);
    }
    expect(chat.hasOlder).toBe(true);
    chat.atBottom(); // already one screen: nothing to let go
    expect(conv.evicted).toEqual([PAGE]);
  });

  it('labels follow the calendar day and the language: a new day or language relabels every row once', async () => {
    const history = Array.from({ length: 120 }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 200_000));
    const { chat, conv, clock } = open(history);
    await chat.loadOlder();
    expect(chat.rows.at(0)!.timeLabel).toMatch(/^\d\d:\d\d$/);
    clock.now = at(2026, 3, 13, 8);
    conv.changed();
    expect(chat.rows.at(0)!.timeLabel).toMatch(/^Yesterday \d\d:\d\d$/);
    expect(shown(chat.rows.all())).toEqual(fullRender(history.slice(-100), clock));
    clock.words = WORDS_ZH;
    await chat.loadOlder();
    expect(chat.rows.at(PAGE)!.timeLabel).toMatch(/^昨天 /);
    expect(shown(chat.rows.all())).toEqual(fullRender(history, clock));
  });

  it('random paging, receipts, deletes, new messages and returns to the bottom always match the full render, and the events replay to the rows (seeded)', async () => {
    const gaps = [0, 1_000, 10_000, 60_000, 110_000, 121_000, 240_000, 299_000, 300_000, 301_000, 3_600_000, 86_400_000 * 2];
    for (let seed = 1; seed <= 40; seed++) {
      const r = seededRandom(seed);
      let t = at(2026, 2, 1, 8);
      const history = Array.from({ length: 100 + Math.floor(r() * 400) }, (_, i) => {
        t += gaps[Math.floor(r() * gaps.length)]!;
        return message(i, t, r() < 0.6, r() < 0.5 ? 'delivered' : 'read');
      });
      const { chat, conv, clock } = open(history);
      let mirror = chat.rows.all();
      let loadedFrom = history.length - PAGE;
      for (let step = 0; step < 30; step++) {
        const op = r();
        const before = chat.rows.all();
        const log = recordEvents(chat.rows);
        const where = `seed ${seed} step ${step}`;
        if (op < 0.35) {
          const got = await chat.loadOlder();
          const k = chat.rows.count() - before.length;
          expect(got, where).toBe(k > 0);
          loadedFrom -= k;
          // k adds on top, then changes only below them; a row without an event is the same object.
          expect(log.slice(0, k), where).toEqual(seq('add', 0, k));
          const changed = new Set(log.slice(k).map((e) => (e.startsWith('chg') ? Number(e.slice(3)) : -1)));
          expect(changed.has(-1), where).toBe(false);
          for (let i = 0; i < before.length; i++) if (!changed.has(k + i)) expect(chat.rows.at(k + i), where).toBe(before[i]);
        } else if (op < 0.55) {
          const i = conv.history.length - 1 - Math.floor(r() * PAGE);
          const m = conv.history[i]!;
          if (r() < 0.5 && m.own) conv.update(i, { status: m.status === 'read' ? 'delivered' : 'read' });
          else conv.update(i, { deleted: true });
          conv.changed();
          expect(log.every((e) => e.startsWith('chg')), where).toBe(true);
          expect(log.length, where).toBeLessThanOrEqual(1);
        } else if (op < 0.8) {
          const last = conv.history.at(-1)!;
          conv.history.push(message(conv.history.length, last.sentAt + gaps[Math.floor(r() * gaps.length)]!, r() < 0.5, 'sending'));
          conv.changed();
          expect(log, where).toEqual([`add${before.length}`]);
          for (let i = 0; i < before.length; i++) expect(chat.rows.at(i), where).toBe(before[i]);
        } else {
          chat.atBottom();
          if (before.length > PAGE) loadedFrom = conv.history.length - PAGE;
        }
        mirror = replayEvents(mirror, log, chat.rows);
        expect(mirror, where).toEqual(chat.rows.all());
        expect(shown(chat.rows.all()), where).toEqual(fullRender(conv.history.slice(loadedFrom), clock));
      }
    }
  });
});

describe('HAPP-SCROLL-1: the chat stays on its newest message, as the web client does (WEB-SCROLL-1)', () => {
  const history = (n: number): Message[] => Array.from({ length: n }, (_, i) => message(i, at(2026, 3, 12, 9) + i * 1000, i % 4 === 3));

  it('HAPP-SCROLL-1 a chat opened with 3 unread messages shows "3 new messages" above the first of them, once', () => {
    // Messages 0..9; own are 3 and 7. The 3 unread are others' newest: 9, 8, 6 (7 is own), so the divider is above 6.
    const { chat, conv } = open(history(10), new Clock(), 3);
    const rows = chat.rows.all();
    expect(rows.filter((r) => r.divider !== '').map((r) => [r.id, r.divider])).toEqual([[rows[6]!.id, '3 new messages']]);
    // Arrivals later do not move it.
    conv.history.push(message(10, at(2026, 3, 12, 9) + 10_000, false));
    conv.changed();
    expect(chat.rows.all().filter((r) => r.divider !== '').map((r) => r.id)).toEqual([rows[6]!.id]);
    expect(open(history(10), new Clock(), 0).chat.rows.all().every((r) => r.divider === '')).toBe(true);
  });

  it('HAPP-SCROLL-1 at the bottom new messages scroll the list; scrolled up they are counted on the jump button; own sends and the button come back', () => {
    const { chat, conv } = open(history(10));
    const heard: boolean[] = [];
    chat.onScroll((toEnd) => heard.push(toEnd));
    const arrive = (i: number, own: boolean): void => {
      conv.history.push(message(i, at(2026, 3, 12, 9) + i * 1000, own));
      conv.changed();
    };
    arrive(10, false);
    expect(heard).toEqual([true]);
    expect(chat.showJump).toBe(false);
    chat.scrolled(false);
    expect([chat.showJump, chat.jumpText]).toEqual([true, 'Jump to latest ↓']);
    arrive(11, false);
    arrive(12, false);
    expect(heard.slice(-2)).toEqual([false, false]);
    expect(chat.jumpText).toBe('2 new messages ↓');
    chat.jumpToLatest();
    expect(heard[heard.length - 1]).toBe(true);
    expect(chat.showJump).toBe(false);
    chat.scrolled(false);
    arrive(13, true);
    expect(heard[heard.length - 1]).toBe(true);
    expect(chat.showJump).toBe(false);
    chat.scrolled(false);
    arrive(14, false);
    chat.atBottom();
    expect([chat.showJump, chat.jumpText]).toEqual([false, 'Jump to latest ↓']);
  });
});
