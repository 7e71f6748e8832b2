import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { build } from 'esbuild';
import { FrameKind, CONV_MESSAGES } from '@concord/protocol';
import {
  MuxClient,
  createConversation,
  openDoc,
  readSync,
  register,
  removeDir,
  startTestServer,
  tempDataDir,
  updateOf,
  within,
  type Account,
  type TestServer,
} from './syncHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function msg(ydoc: Y.Doc, author: Account, id: string, body = `body ${id}`): Uint8Array {
  return updateOf(ydoc, (d) => d.getMap(CONV_MESSAGES).set(`${author.userId}.${id}`, { id: `${author.userId}.${id}`, author: author.userId, hlc: '0000000000000', type: 'text', body }));
}

/** Subscribes and loads the server's state of the doc into a fresh Y.Doc. */
async function fetchDoc(wsBase: string, token: string, doc: string): Promise<Y.Doc> {
  const { client } = await MuxClient.connect(wsBase, token);
  const ydoc = new Y.Doc();
  client.syncStep1(doc, ydoc);
  const step2 = await client.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 1);
  Y.applyUpdate(ydoc, readSync(step2.payload).data);
  client.close();
  return ydoc;
}

/** Alice's socket, subscribed to a new conversation with Bob (the server's SyncStep1 received). */
async function aliceInConversation(
  srv: Pick<TestServer, 'http' | 'ws'>,
): Promise<{ alice: Account; bob: Account; conv: string; client: MuxClient; ydoc: Y.Doc }> {
  const alice = await register(srv.http, 'alice');
  const bob = await register(srv.http, 'bob');
  const conv = `conv:${await createConversation(srv.http, alice, [bob])}`;
  const { client } = await MuxClient.connect(srv.ws, alice.token);
  const ydoc = new Y.Doc();
  client.syncStep1(conv, ydoc);
  await client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
  return { alice, bob, conv, client, ydoc };
}

/** Resolves once the socket has received `n` ACKs in all. */
function allAcks(client: MuxClient, n: number): Promise<void> {
  return within(
    (async () => {
      while (client.frames().filter((f) => f.kind === FrameKind.Ack).length < n) await client.waitMessage(() => true, 5000, client.messages.length);
    })(),
    10_000,
    'all acks',
  );
}

describe('durability', () => {
  it('[DUR-1] after a restart on the same data dir every acknowledged update is there', async () => {
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    let srv = await startTestServer({ dataDir });
    const { alice, bob, conv, client, ydoc } = await aliceInConversation(srv);
    // Many updates in one burst: they go through group commits of several updates each.
    const n = 250;
    for (let i = 0; i < n; i++) client.sendUpdate(conv, msg(ydoc, alice, `d${i}`));
    await allAcks(client, n);
    const commits = srv.sync.metrics().commits;
    expect(commits).toBeLessThan(n); // grouped
    await srv.close();
    srv = await startTestServer({ dataDir });
    cleanups.push(() => srv.close());
    const after = await fetchDoc(srv.ws, bob.token, conv);
    const messages = after.getMap(CONV_MESSAGES);
    for (let i = 0; i < n; i++) expect(messages.has(`${alice.userId}.d${i}`)).toBe(true);
  });

  it('[DUR-1] group commits start at least commitIntervalMs apart; updates in between wait for the next one', async () => {
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    const srv = await startTestServer({ dataDir, syncLimits: { commitIntervalMs: 100 } });
    cleanups.push(() => srv.close());
    const { alice, conv, client, ydoc } = await aliceInConversation(srv);
    const before = srv.sync.metrics().commits;
    // One update every 10 ms, each in an event-loop turn of its own, over ~300 ms.
    const n = 30;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      client.sendUpdate(conv, msg(ydoc, alice, `s${i}`));
      await new Promise((r) => setTimeout(r, 10));
    }
    await allAcks(client, n);
    const elapsed = performance.now() - started;
    const commits = srv.sync.metrics().commits - before;
    // A commit per turn would be 30; at most one per started 100 ms (plus the first, which is immediate).
    expect(commits).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1);
    expect(commits).toBeGreaterThanOrEqual(2);
  });

  it('[DUR-3] compaction keeps the stored tail bounded and the data intact across a restart', async () => {
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    let srv = await startTestServer({ dataDir, syncLimits: { compactAfterUpdates: 20 } });
    const { alice, bob, conv, client, ydoc } = await aliceInConversation(srv);
    for (let i = 0; i < 95; i++) {
      client.sendUpdate(conv, msg(ydoc, alice, `c${i}`));
      // One at a time, so that the tail grows update by update and compaction runs between them.
      await client.waitFrame(FrameKind.Ack, (a) => a.clocks[0]?.clock === i + 1);
      const tail = srv.sync.tailLength(conv as never);
      // Over the limit the tail waits until its bytes reach the snapshot's (about half the doc here), never
      // beyond 10x the limit.
      expect(tail).toBeLessThanOrEqual(Math.max(21, Math.ceil((i + 1) / 2) + 2));
    }
    expect(srv.sync.metrics().compactions).toBeGreaterThanOrEqual(2);
    client.close();
    await srv.close();
    srv = await startTestServer({ dataDir, syncLimits: { compactAfterUpdates: 20 } });
    cleanups.push(() => srv.close());
    const after = await fetchDoc(srv.ws, bob.token, conv);
    expect(after.getMap(CONV_MESSAGES).size).toBe(95);
  });

  it('[DUR-4] a doc without subscribers is unloaded from memory after the idle time, and loads again on demand', async () => {
    const srv = await startTestServer({ syncLimits: { unloadAfterMs: 100 } });
    cleanups.push(async () => {
      await srv.close();
      removeDir(srv.dataDir);
    });
    const { alice, bob, conv, client, ydoc } = await aliceInConversation(srv);
    client.sendUpdate(conv, msg(ydoc, alice, 'u1'));
    await client.waitFrame(FrameKind.Ack);
    expect(srv.sync.loadedDocs()).toBeGreaterThan(0);
    client.close();
    await client.waitClose();
    await within(
      (async () => {
        while (srv.sync.loadedDocs() > 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      3000,
      'unload',
    );
    expect(srv.sync.metrics().docsUnloaded).toBeGreaterThan(0);
    const again = await fetchDoc(srv.ws, bob.token, conv);
    expect(again.getMap(CONV_MESSAGES).has(`${alice.userId}.u1`)).toBe(true);
  });
});

describe('crash durability (real CLI in a child process)', () => {
  async function bundleCli(): Promise<string> {
    // Node 20 cannot run the TypeScript sources; bundle the CLI (workspace code from `source`, packages external)
    // into node_modules/.cache so that its bare imports resolve from the repository's node_modules.
    const root = resolve(here, '../..');
    const outDir = join(root, 'node_modules', '.cache', 'concord-sync-tests');
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `cli-${process.pid}.mjs`);
    await build({
      entryPoints: [resolve(here, '../src/cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['source'],
      outfile,
      logLevel: 'silent',
      external: ['better-sqlite3', 'pino', 'ws', 'yjs', 'lib0', 'lib0/*', 'y-protocols', 'y-protocols/*'],
    });
    return outfile;
  }

  function startCli(cli: string, dataDir: string): Promise<{ child: ChildProcess; port: number }> {
    const child = spawn(process.execPath, [cli, '--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return within(
      new Promise((resolvePort, reject) => {
        let buf = '';
        child.stdout?.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(buf);
          if (m?.[1] !== undefined) resolvePort({ child, port: Number(m[1]) });
        });
        child.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${buf}`)));
      }),
      20_000,
      'the CLI to listen',
    );
  }

  it('[DUR-2] SIGKILL right after an ACK loses nothing that was acknowledged', async () => {
    const cli = await bundleCli();
    const dataDir = tempDataDir();
    cleanups.push(() => removeDir(dataDir));
    const first = await startCli(cli, dataDir);
    const base = `127.0.0.1:${first.port}`;
    const { alice, bob, conv, client, ydoc } = await aliceInConversation({ http: `http://${base}`, ws: `ws://${base}` });
    client.sendUpdate(conv, msg(ydoc, alice, 'last-words', 'acked then killed'));
    await client.waitFrame(FrameKind.Ack);
    first.child.kill('SIGKILL');
    await within(new Promise((r) => first.child.once('exit', r)), 5000, 'the kill');
    const second = await startCli(cli, dataDir);
    const after = await fetchDoc(`ws://127.0.0.1:${second.port}`, bob.token, conv);
    expect(after.getMap(CONV_MESSAGES).get(`${alice.userId}.last-words`)).toMatchObject({ body: 'acked then killed' });
    second.child.kill('SIGTERM');
  });
});

describe('relay after commit', () => {
  it('[DUR-1] a receiver never holds what the server has not stored: the relay follows the commit', async () => {
    // Relaying at validation was tried (issue 16): after a crash or a full disk, receivers held updates the server
    // had lost, and each device's next handshake offered the other's structs and deletions, which the trust rules
    // refuse whole (TRUST-6/14): two devices locked each other out (bench/soak --disk-full showed it).
    const srv = await startTestServer({ syncLimits: { commitIntervalMs: 400 } });
    cleanups.push(async () => {
      await srv.close();
      removeDir(srv.dataDir);
    });
    const { alice, bob, conv, client, ydoc } = await aliceInConversation(srv);
    const receiver = await MuxClient.connect(srv.ws, bob.token);
    const bobDoc = await openDoc(receiver.client, conv, { follow: true });
    client.sendUpdate(conv, msg(ydoc, alice, 'warm'));
    await allAcks(client, 1);
    const commits = srv.sync.metrics().commits;
    client.sendUpdate(conv, msg(ydoc, alice, 'later'));
    await receiver.client.waitMessage(() => bobDoc.getMap(CONV_MESSAGES).has(`${alice.userId}.later`), 2000);
    expect(srv.sync.metrics().commits).toBe(commits + 1);
    await allAcks(client, 2);
    receiver.client.close();
    client.close();
  });
});

describe('reconnect with a cursor', () => {
  it('[WIRE-2] [SYNC-7] WELCOME lists only the docs changed since the cursor, and only those are synced', async () => {
    const srv = await startTestServer();
    cleanups.push(async () => {
      await srv.close();
      removeDir(srv.dataDir);
    });
    const alice = await register(srv.http, 'alice');
    const bob = await register(srv.http, 'bob');
    const convs: string[] = [];
    for (let i = 0; i < 5; i++) convs.push(`conv:${await createConversation(srv.http, alice, [bob])}`);
    const first = await MuxClient.connect(srv.ws, bob.token);
    expect(new Set(first.welcome.changed)).toEqual(new Set([...convs, `user:${bob.userId}`]));
    const cursor = first.welcome.cursor;
    first.client.close();
    // While bob is away, alice writes to two of the five conversations.
    const { client } = await MuxClient.connect(srv.ws, alice.token);
    for (const doc of [convs[1], convs[3]] as string[]) {
      const ydoc = new Y.Doc();
      client.syncStep1(doc, ydoc);
      await client.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
      client.sendUpdate(doc, msg(ydoc, alice, 'away'));
      await client.waitFrame(FrameKind.Ack, (a) => a.doc === doc);
    }
    client.close();
    const back = await MuxClient.connect(srv.ws, bob.token, cursor);
    expect([...back.welcome.changed].sort()).toEqual([convs[1], convs[3]].sort());
    expect(back.welcome.cursor).toBeGreaterThan(cursor);
    // The client runs the handshake for those docs only; the server sends SYNC frames for nothing else.
    for (const doc of back.welcome.changed) back.client.syncStep1(doc, new Y.Doc());
    for (const doc of back.welcome.changed) await back.client.waitFrame(FrameKind.Sync, (f) => f.doc === doc && f.payload[0] === 0);
    const syncedDocs = new Set(back.client.frames().flatMap((f) => (f.kind === FrameKind.Sync ? [f.doc] : [])));
    expect([...syncedDocs].sort()).toEqual([convs[1], convs[3]].sort());
    // Nothing changed since: a reconnect with the new cursor lists nothing.
    const again = await MuxClient.connect(srv.ws, bob.token, back.welcome.cursor);
    expect(again.welcome.changed).toEqual([]);
    back.client.close();
    again.client.close();
  });

  it('[DUR-4] at most maxIdleDocs docs without subscribers stay loaded: a burst over many docs unloads the longest idle at once', async () => {
    const srv = await startTestServer({ syncLimits: { unloadAfterMs: 60_000, maxIdleDocs: 2 } });
    cleanups.push(async () => {
      await srv.close();
      removeDir(srv.dataDir);
    });
    const alice = await register(srv.http, 'alice');
    const bob = await register(srv.http, 'bob');
    const { client } = await MuxClient.connect(srv.ws, alice.token);
    const convs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const conv = `conv:${await createConversation(srv.http, alice, [bob])}`;
      convs.push(conv);
      const ydoc = new Y.Doc();
      client.syncStep1(conv, ydoc);
      await client.waitFrame(FrameKind.Sync, (f) => f.doc === conv && f.payload[0] === 0);
      client.sendUpdate(conv, msg(ydoc, alice, `m${i}`));
      await client.waitFrame(FrameKind.Ack, (f) => f.doc === conv);
      client.sendFrame({ kind: FrameKind.Unsubscribe, doc: conv });
    }
    // Everything is idle (no subscriber anywhere), well before unloadAfterMs: only the two newest idle docs stay.
    client.close();
    await client.waitClose();
    await within(
      (async () => {
        while (srv.sync.loadedDocs() > 2) await new Promise((r) => setTimeout(r, 20));
      })(),
      3000,
      'bounded idle docs',
    );
    for (const [i, conv] of convs.entries()) {
      const again = await fetchDoc(srv.ws, bob.token, conv);
      expect(again.getMap(CONV_MESSAGES).has(`${alice.userId}.m${i}`)).toBe(true);
    }
  });

  it('[DUR-5] WAL checkpoints run in a worker, not inside group commits: the server connection never auto-checkpoints, yet the database file takes the writes while it runs', async () => {
    const srv = await startTestServer();
    cleanups.push(async () => {
      await srv.close();
      removeDir(srv.dataDir);
    });
    expect(srv.server.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const file = join(srv.dataDir, 'concord.db');
    const before = statSync(file).size;
    const { alice, bob, conv, client, ydoc } = await aliceInConversation(srv);
    for (let i = 0; i < 200; i++) {
      client.sendUpdate(conv, msg(ydoc, alice, `w${i}`, 'x'.repeat(4000)));
      await client.waitFrame(FrameKind.Ack, (f) => f.doc === conv);
    }
    // ~800 KB committed; only a checkpoint moves it from the WAL into the database file.
    await within(
      (async () => {
        while (statSync(file).size < before + 500_000) await new Promise((r) => setTimeout(r, 50));
      })(),
      5000,
      'checkpointed by the worker',
    );
    expect(srv.server.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    client.close();
  });
});
