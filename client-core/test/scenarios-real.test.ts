import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { RealBackend } from './helpers/realBackend.js';
import { attachmentScenarios } from './helpers/attachmentScenarios.js';
import { scenarios, type World } from './helpers/scenarios.js';

let be: RealBackend;
let w: World;
beforeAll(async () => {
  be = await RealBackend.start();
});
afterAll(async () => {
  await be.stop();
});
afterEach(async () => {
  for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
});

describe('scenarios (real sync-server on port 0)', () => {
  scenarios(() => {
    w = { be, devices: [] };
    return w;
  });
});

describe('attachment scenarios (real sync-server on port 0, BLOB-1/BLOB-2)', () => {
  attachmentScenarios(() => {
    w = { be, devices: [] };
    return w;
  });
});
