import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convDocName, FrameKind, userDocName } from '@concord/protocol';
import { CONV_MESSAGES } from '@concord/protocol';
import { bundleCli, runCli } from './helpers/cli.js';
import { api, createConversation, login, register, startServer, type Session } from './helpers/server.js';
import { closeCode, openSocket, within } from './helpers/wait.js';
import { MuxClient, chatMessage, openDoc, sendUpdate, type Account } from './syncHarness.js';

let admin: string;
const dirs: string[] = [];
beforeAll(async () => {
  admin = await bundleCli('admin.ts');
});
afterAll(() => {
  rmSync(admin, { force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'concord-admin-'));
  dirs.push(d);
  return d;
}

/** Runs the admin CLI to its end: exit code and output. */
async function runAdmin(...args: string[]): Promise<{ code: number | string; out: string; err: string }> {
  const proc = runCli(admin, args);
  const code = await within(proc.exited, 20_000, `admin ${args.join(' ')}`);
  return { code, out: proc.stdout(), err: proc.stderr() };
}

function asAccount(s: Session): Account {
  return { userId: s.userId, deviceId: s.deviceId, token: s.token, username: s.username };
}

describe('admin CLI', () => {
  it('[ADMIN-1] [ADMIN-2] disable-user revokes every session of a running server (sockets closed) and blocks login until enable-user', async () => {
    const srv = await startServer({ sessionSweepMs: 50, keepDataDir: false });
    try {
      const alice = await register(srv.url, 'alice');
      const ws = await openSocket(`${srv.wsUrl}/v1/doc/${userDocName(alice.userId)}?token=${alice.token}`);
      const closed = closeCode(ws);
      const res = await runAdmin('--data', srv.dataDir, 'disable-user', 'Alice');
      expect(res.code, res.err).toBe(0);
      expect(JSON.parse(res.out)).toEqual({ revokedDevices: 1 });
      expect((await api(srv.url, 'GET', '/v1/me', { token: alice.token })).status).toBe(401);
      expect(await closed).toBe(4401);
      const refused = await api<{ error: { code: string } }>(srv.url, 'POST', '/v1/sessions', { body: { username: 'alice', password: alice.password } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await runAdmin('--data', srv.dataDir, 'enable-user', 'alice')).code).toBe(0);
      const back = await login(srv.url, 'alice', { password: alice.password });
      // revoke-sessions signs out without disabling.
      const ws2 = await openSocket(`${srv.wsUrl}/v1/doc/${userDocName(alice.userId)}?token=${back.token}`);
      const closed2 = closeCode(ws2);
      const revoked = await runAdmin('--data', srv.dataDir, 'revoke-sessions', 'alice');
      expect(JSON.parse(revoked.out)).toEqual({ revokedDevices: 1 });
      expect(await closed2).toBe(4401);
      expect((await login(srv.url, 'alice', { password: alice.password })).userId).toBe(alice.userId);
      const unknown = await runAdmin('--data', srv.dataDir, 'disable-user', 'nobody');
      expect(unknown.code).toBe(3);
      expect((await runAdmin('--data', srv.dataDir, 'frobnicate', 'x')).code).toBe(2);
    } finally {
      await srv.stop();
    }
  });

  it('[ADMIN-3] stats counts users, devices, conversations, docs, bytes and blobs', async () => {
    const srv = await startServer();
    try {
      const a = await register(srv.url, 'statsa');
      const b = await register(srv.url, 'statsb');
      const conv = await createConversation(srv.url, a.token, 'direct', [b.userId]);
      const bytes = Buffer.from('attachment bytes');
      const { createHash } = await import('node:crypto');
      const blobId = createHash('sha256').update(bytes).digest('hex');
      const put = await fetch(`${srv.url}/v1/conversations/${conv}/blobs/${blobId}`, { method: 'PUT', headers: { Authorization: `Bearer ${a.token}` }, body: bytes });
      expect(put.status).toBe(201);
      const res = await runAdmin('--data', srv.dataDir, 'stats');
      expect(res.code, res.err).toBe(0);
      const stats = JSON.parse(res.out) as Record<string, number>;
      expect(stats).toMatchObject({ users: 2, deletedUsers: 0, disabledUsers: 0, liveDevices: 2, conversations: 1, blobs: 1, blobBytes: bytes.length });
      expect(stats['docs']).toBeGreaterThanOrEqual(3);
      expect(stats['storedBytes']).toBeGreaterThan(0);
    } finally {
      await srv.stop();
    }
  });

  it('[ADMIN-4] [ADMIN-5] a backup taken while the server takes writes restores every message acknowledged before it, and the blobs', async () => {
    const srv = await startServer();
    const backupDir = join(tempDir(), 'backup');
    const restoredDir = tempDir();
    let writer: MuxClient | null = null;
    try {
      const a = await register(srv.url, 'writer');
      const b = await register(srv.url, 'reader');
      const conv = await createConversation(srv.url, a.token, 'group', [b.userId]);
      const doc = convDocName(conv);
      const blobBytes = Buffer.from('a picture, say');
      const { createHash } = await import('node:crypto');
      const blobId = createHash('sha256').update(blobBytes).digest('hex');
      expect((await fetch(`${srv.url}/v1/conversations/${conv}/blobs/${blobId}`, { method: 'PUT', headers: { Authorization: `Bearer ${a.token}` }, body: blobBytes })).status).toBe(201);

      const connected = await MuxClient.connect(srv.wsUrl, a.token);
      writer = connected.client;
      const replica = await openDoc(writer, doc);
      const acked: string[] = [];
      let stop = false;
      let reachedTwenty = (): void => undefined;
      const twenty = new Promise<void>((resolve) => {
        reachedTwenty = resolve;
      });
      // Writes go on, one acknowledged message after another, until the backup is done.
      const writing = (async () => {
        while (!stop && acked.length < 2000) {
          const before = new Set(replica.getMap(CONV_MESSAGES).keys());
          const update = chatMessage(replica, asAccount(a), `m${acked.length}`);
          const answer = await sendUpdate(writer as MuxClient, doc, update);
          expect(answer.kind).toBe(FrameKind.Ack);
          for (const id of replica.getMap(CONV_MESSAGES).keys()) if (!before.has(id)) acked.push(id);
          if (acked.length >= 20) reachedTwenty();
        }
      })();
      await within(twenty, 10_000, '20 acknowledged messages');
      const ackedBeforeBackup = [...acked];
      const made = await runAdmin('--data', srv.dataDir, 'backup', backupDir);
      stop = true;
      await writing;
      expect(made.code, made.err).toBe(0);
      expect(JSON.parse(made.out)).toMatchObject({ format: 'concord-backup', blobs: 1 });
      expect(acked.length).toBeGreaterThan(ackedBeforeBackup.length);

      const restored = await runAdmin('--data', restoredDir, 'restore', backupDir);
      expect(restored.code, restored.err).toBe(0);
      // A second restore onto it is refused without --force, and allowed with it.
      expect((await runAdmin('--data', restoredDir, 'restore', backupDir)).code).toBe(3);
      expect((await runAdmin('--data', restoredDir, 'restore', backupDir, '--force')).code).toBe(0);

      const again = await startServer({ dataDir: restoredDir });
      try {
        // Sessions are part of the backup: the reader's token works on the restored server.
        const reader = await MuxClient.connect(again.wsUrl, b.token);
        const copy = await openDoc(reader.client, doc);
        const have = new Set(copy.getMap(CONV_MESSAGES).keys());
        for (const id of ackedBeforeBackup) expect(have.has(id), id).toBe(true);
        reader.client.close();
        const blob = await fetch(`${again.url}/v1/conversations/${conv}/blobs/${blobId}`, { headers: { Authorization: `Bearer ${b.token}` } });
        expect(blob.status).toBe(200);
        expect(Buffer.from(await blob.arrayBuffer()).equals(blobBytes)).toBe(true);
      } finally {
        await again.stop();
      }
    } finally {
      writer?.close();
      await srv.stop();
    }
  });
});
