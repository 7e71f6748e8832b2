import { describe, expect, it } from 'vitest';
import { readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

describe('tooling', () => {
  it('the workspace `tsc` is TypeScript 5.x, not ohos-typescript 4.9 (installed under the alias typescript-ohos)', () => {
    // npm links bins of same-depth packages in path order, first wins; "typescript" sorts before
    // "typescript-ohos", whereas the real name "ohos-typescript" would sort first and take `tsc` from every package.
    const bin = join(process.cwd(), 'node_modules/.bin/tsc');
    const target = realpathSync(bin);
    expect(readlinkSync(bin)).toMatch(/(^|\/)typescript\/bin\/tsc$/);
    expect(target).not.toMatch(/ohos/);
  });
});
