/**
 * Test helpers: a real server on a free port with a real SQLite file in a fresh temp dir, and small HTTP clients
 * for the account API. Used by the sync, accounts and client-core tests alike.
 *
 *   const srv = await startServer();
 *   const alice = await register(srv.url, 'alice');
 *   ... new WebSocket(`${srv.wsUrl}/v1/sync?token=${alice.token}`) ...
 *   await srv.restart();   // same data dir, same port
 *   await srv.stop();      // closes and deletes the temp dir
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConversationId, DeviceId, UserId } from '@concord/protocol';
import { createServer, type ConcordServer } from '../../src/server.js';
import type { ServerOptions } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/log.js';

export interface StartServerOptions extends Partial<ServerOptions> {
  /** Keep the data dir on stop() (default: deleted if the helper created it). */
  readonly keepDataDir?: boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `ws://127.0.0.1:<port>` (append `/v1/sync` or `/v1/doc/<name>`). */
  readonly wsUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** The running server; a new instance after restart(). */
  readonly server: ConcordServer;
  /** Closes the server (sync flush, db close) and deletes the temp data dir. Idempotent. */
  stop(): Promise<void>;
  /** Closes the server and starts a new one on the same data dir and port. `overrides` replace options. */
  restart(overrides?: Partial<ServerOptions>): Promise<void>;
}

/**
 * Defaults for tests: 127.0.0.1, port 0, silent logs (set CONCORD_TEST_LOG=debug to see them), no registration
 * limit, and a cheaper scrypt (N=2^10) so suites that register many users stay fast. Pass `scrypt: { N: 1 << 14 }`
 * to test the production cost.
 */
export async function startServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const { keepDataDir = false, ...given } = opts;
  const ownsDir = given.dataDir === undefined;
  const dataDir = given.dataDir ?? mkdtempSync(join(tmpdir(), 'concord-test-'));
  const logLevel = process.env['CONCORD_TEST_LOG'];
  let options: ServerOptions = {
    host: '127.0.0.1',
    port: 0,
    logger: logLevel === undefined || logLevel === '' ? silentLogger() : createLogger('debug'),
    registrationLimits: { burst: 1_000_000 },
    // Suites create many conversations per user; HTTP-23 has its own test with the real limits.
    conversationLimits: { createBurst: 1_000_000, addBurst: 1_000_000 },
    ...given,
    scrypt: { N: 1 << 10, ...given.scrypt },
    dataDir,
  };

  let server = createServer(options);
  let port: number;
  try {
    port = (await server.listen()).port;
  } catch (err) {
    await server.close();
    throw err;
  }
  // Later starts reuse the port, so clients reconnecting to the same URL find the restarted server.
  options = { ...options, port };
  let stopped = false;

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get wsUrl() {
      return `ws://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    dataDir,
    get server() {
      return server;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      if (ownsDir && !keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart(overrides = {}) {
      if (stopped) throw new Error('restart() after stop()');
      await server.close();
      // Let this process's HTTP clients (fetch's keep-alive pool) see their sockets close before the new server
      // takes the port; otherwise the next fetch may reuse a dead pooled socket ("other side closed").
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      options = { ...options, ...overrides, dataDir, port };
      server = createServer(options);
      await server.listen();
    },
  };
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** One JSON request. `body` is JSON-encoded unless it is a string (sent as is). */
export async function api<T = unknown>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url + path, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export interface Session {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly token: string;
  readonly username: string;
  readonly password: string;
}

export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what} failed with ${status}: ${JSON.stringify(body)}`);
  }
}

export function defaultPassword(username: string): string {
  return `pw-${username}-correct-horse`;
}

interface SessionBody {
  userId: UserId;
  deviceId: DeviceId;
  token: string;
}

/** Creates an account (and its first device session). Throws ApiCallError unless 201. */
export async function register(
  url: string,
  username: string,
  options: { password?: string; displayName?: string; deviceName?: string } = {},
): Promise<Session> {
  const password = options.password ?? defaultPassword(username);
  const res = await api<SessionBody>(url, 'POST', '/v1/accounts', {
    body: { username, password, displayName: options.displayName, deviceName: options.deviceName },
  });
  if (res.status !== 201) throw new ApiCallError(res.status, res.body, `register ${username}`);
  return { ...res.body, username: username.toLowerCase(), password };
}

/** Logs in as a new device of an existing account. Throws ApiCallError unless 201. */
export async function login(
  url: string,
  username: string,
  options: { password?: string; deviceName?: string } = {},
): Promise<Session> {
  const password = options.password ?? defaultPassword(username);
  const res = await api<SessionBody>(url, 'POST', '/v1/sessions', {
    body: { username, password, deviceName: options.deviceName },
  });
  if (res.status !== 201) throw new ApiCallError(res.status, res.body, `login ${username}`);
  return { ...res.body, username: username.toLowerCase(), password };
}

/** Creates (or for a direct chat, finds) a conversation. Throws ApiCallError unless 200/201. */
export async function createConversation(
  url: string,
  token: string,
  kind: 'direct' | 'group',
  members: readonly string[],
  title?: string,
): Promise<ConversationId> {
  const res = await api<{ conversationId: ConversationId }>(url, 'POST', '/v1/conversations', {
    token,
    body: { kind, members, ...(title === undefined ? {} : { title }) },
  });
  if (res.status !== 201 && res.status !== 200) throw new ApiCallError(res.status, res.body, 'create conversation');
  return res.body.conversationId;
}

/** Revokes one of the caller's devices. Throws ApiCallError unless 204. */
export async function revokeDevice(url: string, token: string, deviceId: string): Promise<void> {
  const res = await api(url, 'DELETE', `/v1/sessions/${encodeURIComponent(deviceId)}`, { token });
  if (res.status !== 204) throw new ApiCallError(res.status, res.body, 'revoke device');
}
