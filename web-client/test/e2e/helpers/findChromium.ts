/**
 * Which Chromium the browser tests drive (issue 15: `npm test` on a fresh machine must not fail for want of one).
 * In order: `CONCORD_CHROMIUM` (a path), the usual system paths of Chromium and Chrome, Playwright's own cache; and
 * when none is there and this is Debian as root (as in `.ci/run`), Debian's `chromium` package is installed with
 * apt-get. Every choice is said on stderr, so a run shows which browser it used or what it installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

let found: string | null = null;

export function findChromium(): string {
  if (found !== null) return found;
  const fromEnv = process.env['CONCORD_CHROMIUM'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`CONCORD_CHROMIUM=${fromEnv}: no such file`);
    return (found = fromEnv);
  }
  const system = SYSTEM_PATHS.find((p) => existsSync(p)) ?? playwrightCache();
  if (system !== null) return (found = system);
  if (canApt()) {
    process.stderr.write('[e2e] no Chromium or Chrome found: installing Debian\'s chromium with apt-get (as .ci/run does)\n');
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (existsSync('/usr/bin/chromium')) return (found = '/usr/bin/chromium');
  }
  throw new Error(
    'The browser tests need Chromium or Chrome: install one (Debian: apt-get install chromium) or set CONCORD_CHROMIUM to its path.',
  );
}

/** A Chromium that Playwright downloaded on this machine before (never downloaded here). */
function playwrightCache(): string | null {
  const root = process.env['PLAYWRIGHT_BROWSERS_PATH'] ?? join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return null;
  for (const dir of readdirSync(root).filter((d) => d.startsWith('chromium')).sort().reverse()) {
    for (const rel of ['chrome-linux/chrome', 'chrome-linux64/chrome']) {
      const p = join(root, dir, rel);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

function canApt(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && existsSync('/usr/bin/apt-get');
}
