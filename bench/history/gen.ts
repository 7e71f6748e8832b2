/**
 * Deterministic chat history for the history bench (issue 6): two members, bodies of 10-120 characters of words,
 * HLC stamps increasing over time (a few seconds to minutes apart, now and then hours), message entries exactly as
 * SPEC 3.1 says (`{id, author, hlc, type, body}`, id `<author>.<random>`).
 */
import { encodeHlc } from '../../protocol/src/hlc.ts';
import type { MessageEntry } from '../../protocol/src/conv.ts';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'ok yes no sure thanks lol haha see you later tomorrow tonight today morning meeting lunch coffee call me back ' +
  'running late on my way almost there home work train bus traffic weekend plans dinner movie game sounds good ' +
  'great idea not sure maybe let me check what time works for you did you see the message photo link send it ' +
  'again please love that nice cool awesome sorry my bad no worries all good talk soon good night sleep well ' +
  'happy birthday congrats well done the report is ready deadline friday review the draft pick up groceries milk ' +
  'bread eggs I think we should leave at seven can you bring the charger battery is dying call when you land'
).split(' ');
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

export interface Generator {
  /** The next message of the conversation. */
  next(): MessageEntry;
}

/** Messages of a conversation between `users[0]` and `users[1]`, oldest first, from `seed`. */
export function chat(users: readonly [string, string], seed = 6): Generator {
  const r = prng(seed);
  let ms = Date.UTC(2024, 0, 1, 9, 0, 0);
  let author = 0;
  const body = (): string => {
    // Skewed towards short messages: 10 + 110 * u^2 characters (mean ~47), words cut to fit.
    const target = 10 + Math.floor(110 * r() * r());
    let s = '';
    while (s.length < target) s += (s.length > 0 ? ' ' : '') + WORDS[Math.floor(r() * WORDS.length)];
    s = s.slice(0, target).trimEnd();
    while (s.length < 10) s += '!';
    return s;
  };
  const rid = (): string => {
    let s = '';
    for (let i = 0; i < 16; i++) s += ID_ALPHABET[Math.floor(r() * 64)];
    return s;
  };
  return {
    next(): MessageEntry {
      // Runs of messages by one author; gaps of 2-120 s, 2% of the time 1-12 h (about 1.7 years per 100k messages).
      if (r() < 0.45) author = 1 - author;
      ms += r() < 0.02 ? 3_600_000 + Math.floor(r() * 11 * 3_600_000) : 2_000 + Math.floor(r() * 118_000);
      const a = users[author] as string;
      return { id: `${a}.${rid()}`, author: a, hlc: encodeHlc(ms, 0), type: 'text', body: body() };
    },
  };
}

/** UTF-8 bytes of the message entry's JSON (the raw size that bytes/message is compared with). */
export function jsonBytes(m: MessageEntry): number {
  return Buffer.byteLength(JSON.stringify(m));
}
