/*
 * HAPP-SDK-1: the check runs against the vendored SDK as it was copied. FILES.txt (written by vendor-sdk.mjs) holds
 * each file's SHA-256: an edited, missing or added declaration file is a finding, so nobody "fixes" the SDK to make
 * the app pass. Hand-written declarations (types/extra) may add what the SDK lacks but not redeclare its modules.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EXTRA_TYPES_DIR, SDK_DIR } from './sdk.mjs';
import { walk } from './program.mjs';

export const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

export function checkVendoredSdk(report, sdkDir = SDK_DIR, extraDir = EXTRA_TYPES_DIR) {
  const list = path.join(sdkDir, 'FILES.txt');
  if (!fs.existsSync(list)) return report('sdk', list, 0, 'missing: run scripts/vendor-sdk.mjs');
  const listed = new Map();
  for (const l of fs.readFileSync(list, 'utf8').split('\n').filter(Boolean)) {
    const [hash, rel] = l.split(/\s+/);
    listed.set(rel, hash);
  }
  for (const [rel, hash] of listed) {
    const f = path.join(sdkDir, rel);
    if (!fs.existsSync(f)) report('sdk', f, 0, 'listed in FILES.txt but missing');
    else if (sha256(f) !== hash) report('sdk', f, 0, 'differs from the SDK copy (FILES.txt hash): vendored files stay unchanged');
  }
  const present = walk(sdkDir, () => true).map((f) => path.relative(sdkDir, f).split(path.sep).join('/'));
  for (const rel of present) {
    if (!listed.has(rel) && rel !== 'FILES.txt' && rel !== 'README.md') report('sdk', path.join(sdkDir, rel), 0, 'not from the SDK (not in FILES.txt)');
  }
  for (const f of walk(extraDir, (n) => n.endsWith('.d.ts'))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/declare\s+module\s+['"]([^'"]+)['"]/g)) {
      const base = m[1].startsWith('@kit.') ? path.join(sdkDir, 'kits', m[1]) : path.join(sdkDir, 'api', m[1]);
      if (fs.existsSync(`${base}.d.ts`) || fs.existsSync(`${base}.d.ets`)) {
        report('sdk', f, text.slice(0, m.index).split('\n').length, `redeclares ${m[1]}, which the SDK declares`);
      }
    }
    if (!/^\s*(\/\/|\/\*)/.test(text)) report('sdk', f, 1, 'a hand-written declaration file starts with a comment saying why the SDK does not cover it');
  }
}
