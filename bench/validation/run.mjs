/**
 * The validation bench (issue 5): what the trust rules cost per update and how much pipeline throughput they take.
 * Bundles bench.mjs from the TypeScript sources (esbuild, packages external), then runs it --runs times per mode,
 * alternating trust on and off, each run in a fresh process, and prints the medians.
 *
 *   node bench/validation/run.mjs [--runs 5] [--history 5000] [--samples 4000] [--updates 20000] [--convs 100]
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle } from '../lib/bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    history: { type: 'string', default: '5000' },
    samples: { type: 'string', default: '4000' },
    updates: { type: 'string', default: '20000' },
    convs: { type: 'string', default: '100' },
  },
});
const outfile = await bundle(join(here, 'bench.mjs'), 'validation');

const args = ['--history', values.history, '--samples', values.samples, '--updates', values.updates, '--convs', values.convs];
const results = { on: [], off: [] };
for (let r = 0; r < Number(values.runs); r++) {
  // Alternate so that other load on the shared machine spreads over both modes.
  for (const mode of r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
    const line = execFileSync(process.execPath, [outfile, ...args, ...(mode === 'off' ? ['--off'] : [])], { cwd: root, encoding: 'utf8' });
    const res = JSON.parse(line.trim().split('\n').pop());
    results[mode].push(res);
    process.stderr.write(`run ${r + 1} ${mode}: cost p50 ${res.cost.p50.toFixed(1)} µs p99 ${res.cost.p99.toFixed(1)} µs, pipeline ${res.throughput.cpuUsPerUpdate.toFixed(1)} µs CPU/update, ${res.throughput.updatesPerSec.toFixed(0)} updates/s wall\n`);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = {};
for (const mode of ['on', 'off']) {
  summary[mode] = {
    costP50us: median(results[mode].map((x) => x.cost.p50)),
    costP99us: median(results[mode].map((x) => x.cost.p99)),
    pipelineCpuUsPerUpdate: median(results[mode].map((x) => x.throughput.cpuUsPerUpdate)),
    updatesPerSecWall: median(results[mode].map((x) => x.throughput.updatesPerSec)),
  };
}
// A CPU-bound server's throughput is 1 / CPU per update.
summary.throughputDropCpu = 1 - summary.off.pipelineCpuUsPerUpdate / summary.on.pipelineCpuUsPerUpdate;
summary.throughputDropWall = 1 - summary.on.updatesPerSecWall / summary.off.updatesPerSecWall;
console.log(JSON.stringify({ args: values, node: process.version, summary }, null, 2));
