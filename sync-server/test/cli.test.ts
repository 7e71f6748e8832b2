import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseCliConfig } from '../src/config.js';
import { createServer } from '../src/server.js';
import { silentLogger } from '../src/log.js';
import { bundleCli, runCli, type CliProcess } from './helpers/cli.js';
import { api, login, register } from './helpers/server.js';

describe('configuration', () => {
  it('[CFG-1] defaults, environment and flags, flags winning', () => {
    expect(parseCliConfig([], {})).toEqual({ port: 1234, host: '0.0.0.0', dataDir: './data', logLevel: 'info', staticDir: null, commitIntervalMs: null, tlsCertFile: null, tlsKeyFile: null, help: false });
    const env = { PORT: '4000', HOST: '127.0.0.1', CONCORD_DATA: '/srv/concord', LOG_LEVEL: 'warn' };
    expect(parseCliConfig([], env)).toEqual({ port: 4000, host: '127.0.0.1', dataDir: '/srv/concord', logLevel: 'warn', staticDir: null, commitIntervalMs: null, tlsCertFile: null, tlsKeyFile: null, help: false });
    expect(parseCliConfig(['--port', '5000', '--data', '/tmp/d', '--host', '::1', '--log-level', 'debug'], env)).toEqual({
      port: 5000,
      host: '::1',
      dataDir: '/tmp/d',
      logLevel: 'debug',
      staticDir: null,
      commitIntervalMs: null,
      tlsCertFile: null,
      tlsKeyFile: null,
      help: false,
    });
    expect(parseCliConfig(['--port=0'], {}).port).toBe(0);
    expect(parseCliConfig([], { CONCORD_COMMIT_INTERVAL_MS: '2.5' }).commitIntervalMs).toBe(2.5);
    expect(parseCliConfig(['--commit-interval-ms', '20'], { CONCORD_COMMIT_INTERVAL_MS: '2' }).commitIntervalMs).toBe(20);
  });

  it('[CFG-1] bad values are ConfigErrors', () => {
    const bad: [string[], Record<string, string>][] = [
      [['--port', 'http'], {}],
      [['--port', '70000'], {}],
      [['--port', '-1'], {}],
      [[], { PORT: '12ab' }],
      [['--log-level', 'loud'], {}],
      [['--what'], {}],
      [['positional'], {}],
      [['--data', ''], {}],
      [['--commit-interval-ms', '0'], {}],
      [['--commit-interval-ms', '5000'], {}],
      [[], { CONCORD_COMMIT_INTERVAL_MS: 'fast' }],
    ];
    for (const [argv, env] of bad) expect(() => parseCliConfig(argv, env), argv.join(' ')).toThrow(ConfigError);
  });

  it('[CFG-1] createServer does not change the options it is given', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'concord-cfg-'));
    const options = Object.freeze({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logger: silentLogger(),
      scrypt: Object.freeze({ N: 1 << 10 }),
      loginLimits: Object.freeze({ freeFailures: 3 }),
    });
    const snapshot = JSON.stringify({ ...options, logger: undefined });
    const server = createServer(options);
    try {
      await server.listen();
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(JSON.stringify({ ...options, logger: undefined })).toBe(snapshot);
  });
});

describe('the CLI process', () => {
  let cli: string;
  const dirs: string[] = [];
  const procs: CliProcess[] = [];

  beforeAll(async () => {
    cli = await bundleCli();
  });
  afterEach(() => {
    for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  });
  afterAll(() => {
    rmSync(cli, { force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function dataDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'concord-cli-'));
    dirs.push(d);
    return d;
  }

  function start(args: string[], env: Record<string, string> = {}): CliProcess {
    const p = runCli(cli, args, env);
    procs.push(p);
    return p;
  }

  it('[CFG-2] starts, logs its URL as JSON, serves, and shuts down cleanly on SIGTERM and SIGINT', async () => {
    const data = dataDir();
    const first = start(['--host', '127.0.0.1', '--data', data], { PORT: '0' });
    const port = await first.listening;
    const url = `http://127.0.0.1:${port}`;
    const listening = first
      .stdout()
      .split('\n')
      .map((l) => (l === '' ? null : (JSON.parse(l) as Record<string, unknown>)))
      .find((l) => l?.['msg'] === 'listening');
    expect(listening?.['url']).toBe(url);
    expect((await api(url, 'GET', '/healthz')).status).toBe(200);
    const alice = await register(url, 'cli-alice');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(join(data, 'concord.db-wal'))).toBe(false);

    const second = start(['--host', '127.0.0.1', '--data', data, '--port', '0']);
    const url2 = `http://127.0.0.1:${await second.listening}`;
    expect((await api(url2, 'GET', '/v1/me', { token: alice.token })).status).toBe(200);
    await login(url2, 'cli-alice');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toContain('"msg":"closed"');
  });

  it('[CFG-1] a bad flag exits 2 with the usage', async () => {
    const p = start(['--port', 'nope', '--data', dataDir()]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/port must be a number/);
    expect(p.stderr()).toMatch(/Usage: concord-server/);
  });

  it('[CFG-1] a port in use is a logged fatal error and exit 1', async () => {
    const first = start(['--host', '127.0.0.1', '--port', '0', '--data', dataDir()]);
    const port = await first.listening;
    const second = start(['--host', '127.0.0.1', '--port', String(port), '--data', dataDir()]);
    expect(await second.exited).toBe(1);
    expect(second.stdout()).toMatch(/could not listen/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
