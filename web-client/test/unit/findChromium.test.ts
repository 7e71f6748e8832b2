import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('which browser the e2e tests drive', () => {
  it('[WEB-E2E-0] CONCORD_CHROMIUM names it; a path that does not exist is a clear error, not a failed launch later', async () => {
    vi.stubEnv('CONCORD_CHROMIUM', '/nonexistent/chromium');
    const missing = await import('../e2e/helpers/findChromium.js');
    expect(() => missing.findChromium()).toThrow(/CONCORD_CHROMIUM=\/nonexistent\/chromium: no such file/);
    vi.resetModules();
    vi.stubEnv('CONCORD_CHROMIUM', process.execPath);
    const given = await import('../e2e/helpers/findChromium.js');
    expect(given.findChromium()).toBe(process.execPath);
  });
});
