/**
 * Runs the real CLI as a child process. Node 20 cannot load .ts, so the CLI is bundled once per test file with
 * esbuild (sources via the `source` condition; npm dependencies stay external and resolve from the repo's
 * node_modules because the bundle is written inside sync-server/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles `src/<entry>` (the server's CLI by default; `admin.ts` for the operator's). */
export async function bundleCli(entry = 'cli.ts'): Promise<string> {
  const dir = resolve(here, '../../test-artifacts');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${entry.replace(/\.ts$/, '')}-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [resolve(here, '../../src', entry)],
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

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves with the port once the "listening" line is logged; rejects if the process exits first. */
  readonly listening: Promise<number>;
}

export function runCli(cli: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? -1));
  });
  const listening = new Promise<number>((resolvePort, reject) => {
    const check = (): void => {
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (m?.[1] !== undefined) resolvePort(Number(m[1]));
    };
    child.stdout?.on('data', check);
    void exited.then((code) => reject(new Error(`cli exited with ${String(code)} before listening: ${out}${err}`)));
  });
  listening.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, exited, listening };
}
