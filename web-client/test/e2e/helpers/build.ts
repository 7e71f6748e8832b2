/**
 * Builds web-client/dist once for the e2e tests, and only when it is missing or older than any source it is built
 * from (the app, client-core and the storage adapters). Several test files may ask at once from separate worker
 * processes: a lock directory lets one build while the others wait (with a deadline).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const REPO_ROOT = join(WEB_ROOT, '..');
export const DIST = join(WEB_ROOT, 'dist');

const INPUTS = [
  join(WEB_ROOT, 'src'),
  join(WEB_ROOT, 'index.html'),
  join(WEB_ROOT, 'vite.config.ts'),
  join(WEB_ROOT, 'package.json'),
  join(REPO_ROOT, 'client-core', 'src'),
  join(REPO_ROOT, 'storage-adapters', 'src'),
];
// Under node_modules/.cache so a lock left by a killed run never shows up in git status.
const LOCK = join(WEB_ROOT, 'node_modules', '.cache', 'e2e-build.lock');
const BUILD_DEADLINE_MS = 150_000;

function newestMtime(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function builtAt(): number {
  try {
    // sw.js is written last by the build (generateBundle), so its time marks a complete build.
    return Math.min(statSync(join(DIST, 'index.html')).mtimeMs, statSync(join(DIST, 'sw.js')).mtimeMs);
  } catch {
    return 0;
  }
}

export function isStale(): boolean {
  const built = builtAt();
  return built === 0 || INPUTS.some((p) => newestMtime(p) > built);
}

/** The web client's own Vite (7), not the root's (vitest's). */
function viteBin(): string {
  const pkg = createRequire(join(WEB_ROOT, 'package.json')).resolve('vite/package.json');
  return join(dirname(pkg), 'bin', 'vite.js');
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [viteBin(), 'build', '--logLevel', 'warn'],
      // vitest sets NODE_ENV=test, which would make Vite build a development bundle (no service worker, dev JSX).
      { cwd: WEB_ROOT, timeout: BUILD_DEADLINE_MS, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_ENV: 'production' } },
      (err, _stdout, stderr) => (err === null ? resolve() : reject(new Error(`web-client build failed: ${err.message}\n${stderr}`))),
    );
  });
}

export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + BUILD_DEADLINE_MS;
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    if (!isStale()) return;
    let locked = false;
    try {
      mkdirSync(LOCK);
      locked = true;
    } catch {
      // Another worker builds; a lock older than the deadline is from a crashed run.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > BUILD_DEADLINE_MS) rmdirSync(LOCK);
      } catch {
        // Gone meanwhile.
      }
    }
    if (locked) {
      try {
        if (isStale()) await runBuild();
      } finally {
        rmdirSync(LOCK);
      }
      return;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for another worker to build web-client');
    await new Promise((r) => setTimeout(r, 250));
  }
}
