#!/usr/bin/env node
/**
 * `npm run bench`: a quick pass of every standard bench with small parameters, one after another, each in its own
 * Node process. It proves the benches still build and run against today's sources and prints their output; its
 * figures are NOT the ones in README.md (those come from the full parameters, several runs, a quiet machine).
 *
 *   npm run bench                     # all of QUICK below
 *   npm run bench -- client load      # only these
 *
 * Output of the benches that write results files goes to a temp dir, never over bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lib/bundle.mjs';

const results = mkdtempSync(join(tmpdir(), 'concord-bench-quick-'));
/** name -> [script, quick arguments, node options]. The README's "Benches" table lists the same scripts. */
const QUICK = {
  storage: ['bench/storage.mjs', ['--runs', '1', '--messages', '1000'], []],
  client: ['bench/client/run.mjs', ['--convs', '50', '--changed', '5', '--messages', '30'], ['--expose-gc']],
  'client-send': ['bench/client/run.mjs', ['send', '--sends', '100'], []],
  validation: ['bench/validation/run.mjs', ['--runs', '1', '--history', '500', '--samples', '400', '--updates', '2000', '--convs', '10'], []],
  load: ['bench/load/run.mjs', ['--rates', '200', '--pairs', '10', '--warmup', '1', '--duration', '3', '--out', join(results, 'load.jsonl')], []],
  history: ['bench/history/run.mjs', ['--messages', '2000', '--segment', '500', '--page', '200', '--runs', '1', '--skip-big', '--scrypt-n', '1024', '--out', join(results, 'history.json')], []],
  harmony: ['bench/harmony.mjs', ['--convs', '20', '--messages', '200', '--big-chat', '2000', '--runs', '1'], []],
  soak: ['bench/soak/run.mjs', ['--kills', '2', '--pairs', '4', '--rate', '50'], []],
};

const asked = process.argv.slice(2);
for (const name of asked) if (!(name in QUICK)) throw new Error(`unknown bench "${name}"; known: ${Object.keys(QUICK).join(', ')}`);
// storage.mjs reads storage-adapters/dist (it measures the built adapters): build them first.
if (asked.length === 0 || asked.includes('storage')) {
  const b = spawnSync('npm', ['run', 'build', '-w', '@concord/storage-adapters'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const failed = [];
for (const [name, [script, args, nodeArgs]] of Object.entries(QUICK)) {
  if (asked.length > 0 && !asked.includes(name)) continue;
  process.stderr.write(`\n== ${name}: node ${[...nodeArgs, script, ...args].join(' ')}\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [...nodeArgs, script, ...args], { cwd: root, stdio: 'inherit' });
  process.stderr.write(`== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
