import { describe, expect, it } from 'vitest';
import { CryptoFrameworkRandom, MAX_RANDOM_BYTES } from '../entry/src/main/ets/platform/cryptoRandom';
import { installGlobalCrypto } from '../bundle-runtime/globals';
import { OhosNetworkSource } from '../entry/src/main/ets/platform/networkSource';
import {
  AbilityTarget,
  conversationIdFromWant,
  IncomingMessage,
  MessageNotifier,
  notificationIdFor,
} from '../entry/src/main/ets/platform/notifier';
import { StandinCryptoFramework } from './standins/cryptoFramework';
import { StandinConnectionModule } from './standins/netConnection';
import { StandinNotificationManager, StandinWantAgent, StandinWantAgentModule } from './standins/notificationManager';

describe('CryptoFrameworkRandom', () => {
  it('serves exactly the bytes cryptoFramework generated, from one generator', () => {
    const cf = new StandinCryptoFramework();
    const r = new CryptoFrameworkRandom(cf);
    cf.randoms[0]!.scripted = [1, 2, 3, 4, 5, 6, 7, 8];
    expect([...r.bytes(3)]).toEqual([1, 2, 3]);
    const u32 = r.getRandomValues(new Uint32Array(1));
    expect(u32[0]).toBe(new DataView(Uint8Array.from([4, 5, 6, 7]).buffer).getUint32(0, true));
    expect(r.bytes(0)).toHaveLength(0);
    expect(cf.randoms).toHaveLength(1);
  });

  it('fills only the view it is given, not the rest of the buffer', () => {
    const cf = new StandinCryptoFramework();
    const r = new CryptoFrameworkRandom(cf);
    cf.randoms[0]!.scripted = [7, 7];
    const buf = new Uint8Array(6);
    r.getRandomValues(buf.subarray(2, 4));
    expect([...buf]).toEqual([0, 0, 7, 7, 0, 0]);
  });

  it('refuses more than 65,536 bytes like W3C getRandomValues', () => {
    const r = new CryptoFrameworkRandom(new StandinCryptoFramework());
    expect(() => r.getRandomValues(new Uint8Array(MAX_RANDOM_BYTES + 1))).toThrow(/QuotaExceeded/);
  });

  it('installs a global crypto only where none works, and lib0-style callers then draw from cryptoFramework', () => {
    const cf = new StandinCryptoFramework();
    const r = new CryptoFrameworkRandom(cf);
    const bare: { crypto?: { getRandomValues<T extends ArrayBufferView>(a: T): T } } = {};
    installGlobalCrypto(r, bare);
    const got = bare.crypto!.getRandomValues(new Uint8Array(16));
    expect(got).toHaveLength(16);
    expect(cf.randoms[0]!.bytesServed).toBe(16);
    const existing = { crypto: { getRandomValues: <T,>(a: T) => a } };
    expect(installGlobalCrypto(r, existing)).toBe(existing.crypto);
  });
});

describe('OhosNetworkSource', () => {
  it('subscribes before register and reports the network present at registration', () => {
    const mod = new StandinConnectionModule();
    mod.nets.add(100);
    const src = new OhosNetworkSource(mod);
    let online = 0;
    src.onOnline(() => online++);
    src.start();
    const conn = mod.connections[0]!;
    expect(conn.calls.indexOf('register')).toBe(conn.calls.length - 1);
    expect(conn.subscribedAfterRegister).toBe(false);
    expect(online).toBe(1);
    expect(src.isOnline).toBe(true);
  });

  it('tells client-core to reconnect when a network comes back, and reports loss once all are gone', () => {
    const mod = new StandinConnectionModule();
    const src = new OhosNetworkSource(mod);
    const log: string[] = [];
    const off = src.onOnline(() => log.push('online'));
    src.onOffline(() => log.push('offline'));
    src.start();
    expect(src.isOnline).toBe(false);
    mod.up(1);
    mod.up(2); // Ethernet joins Wi-Fi: a new path, reconnect now
    mod.down(1);
    expect(log).toEqual(['online', 'online']);
    mod.down(2);
    expect(log).toEqual(['online', 'online', 'offline']);
    mod.down(2); // a duplicate loss is not a second transition
    expect(log).toHaveLength(3);
    off();
    mod.up(3);
    expect(log).toHaveLength(3);
  });

  it('fires online when a network gains VALIDATED (captive portal passed), once per validation', () => {
    const mod = new StandinConnectionModule();
    const src = new OhosNetworkSource(mod);
    let online = 0;
    src.onOnline(() => online++);
    src.start();
    mod.up(5);
    mod.validate(5);
    mod.validate(5);
    expect(online).toBe(2);
    mod.validate(5, false);
    mod.validate(5);
    expect(online).toBe(3);
  });

  it('start() twice does not register twice; stop() unregisters', () => {
    const mod = new StandinConnectionModule();
    const src = new OhosNetworkSource(mod);
    src.start();
    src.start();
    expect(mod.connections).toHaveLength(1);
    src.stop();
    expect(mod.connections[0]!.calls).toContain('unregister');
    expect(src.lastError).toBeNull();
  });
});

describe('MessageNotifier', () => {
  const target = new AbilityTarget('org.concord.im', 'EntryAbility');
  function setup() {
    const nm = new StandinNotificationManager();
    const notifier = new MessageNotifier(nm, new StandinWantAgentModule(), target);
    return { nm, notifier };
  }

  it('publishes in the social slot with a want agent that opens the chat, and sets the badge to the unread total', async () => {
    const { nm, notifier } = setup();
    expect(await notifier.notify(new IncomingMessage('c1', 'Alice', 'hi there', false), 3)).toBe(true);
    const req = nm.published[0]!;
    expect(req.notificationSlotType).toBe(1);
    expect(req.content.normal).toEqual({ title: 'Alice', text: 'hi there' });
    expect(req.id).toBe(notificationIdFor('c1'));
    expect(nm.badge).toBe(3);
    // "Tap" the notification: the want it carries leads back to conversation c1 in EntryAbility.
    const want = (req.wantAgent as StandinWantAgent).info.wants[0]!;
    expect(want.abilityName).toBe('EntryAbility');
    expect(conversationIdFromWant(want)).toBe('c1');
  });

  it('stays silent for a muted chat but still counts it in the badge', async () => {
    const { nm, notifier } = setup();
    expect(await notifier.notify(new IncomingMessage('c2', 'Group', 'noise', true), 7)).toBe(false);
    expect(nm.published).toHaveLength(0);
    expect(nm.badge).toBe(7);
  });

  it('keeps one notification per chat, removes it when read, and only touches the badge when it changes', async () => {
    const { nm, notifier } = setup();
    await notifier.notify(new IncomingMessage('c1', 'Alice', 'one', false), 1);
    await notifier.notify(new IncomingMessage('c1', 'Alice', 'two', false), 2);
    await notifier.notify(new IncomingMessage('c3', 'Bob', 'yo', false), 3);
    expect(nm.shown.size).toBe(2);
    expect(nm.shown.get(notificationIdFor('c1'))!.content.normal!.text).toBe('two');
    await notifier.conversationRead('c1', 1);
    expect(nm.shown.has(notificationIdFor('c1'))).toBe(false);
    expect(nm.badge).toBe(1);
    const calls = nm.badgeCalls;
    await notifier.setBadge(1);
    expect(nm.badgeCalls).toBe(calls);
  });

  it('truncates long previews and gives distinct ids to distinct chats', async () => {
    const { nm, notifier } = setup();
    await notifier.notify(new IncomingMessage('c1', 'A', 'x'.repeat(500), false), 1);
    expect(nm.published[0]!.content.normal!.text.length).toBeLessThanOrEqual(120);
    expect(notificationIdFor('c1')).not.toBe(notificationIdFor('c2'));
    expect(notificationIdFor('c1')).toBeGreaterThanOrEqual(0);
    expect(conversationIdFromWant({ parameters: {} })).toBeNull();
    expect(conversationIdFromWant(undefined)).toBeNull();
  });
});

describe('installTextCodecs', () => {
  it('puts UTF-8 TextEncoder/TextDecoder on a global that lacks them, backed by @ohos.util', async () => {
    const { installTextCodecs } = await import('../bundle-runtime/globals');
    const { standinUtil, usage } = await import('./standins/util');
    const g: { TextEncoder?: new () => { encode(s: string): Uint8Array }; TextDecoder?: new (l?: string) => { decode(b: Uint8Array): string } } = {};
    expect(installTextCodecs(standinUtil, g)).toBe(true);
    const bytes = new g.TextEncoder!().encode('héllo 你好 😀');
    expect([...bytes]).toEqual([...Buffer.from('héllo 你好 😀', 'utf8')]);
    const padded = new Uint8Array([0, ...bytes, 0]).subarray(1, bytes.length + 1);
    expect(new g.TextDecoder!().decode(padded)).toBe('héllo 你好 😀');
    expect(usage.encodes).toBeGreaterThan(0);
    expect(usage.decodes).toBeGreaterThan(0);
    expect(() => new g.TextDecoder!('latin1')).toThrow(RangeError);
    // Where the runtime has them, they are left alone.
    expect(installTextCodecs(standinUtil, globalThis)).toBe(false);
  });
});
