import { afterEach, describe } from 'vitest';
import { FakeBackend } from './helpers/fakeBackend.js';
import { attachmentScenarios } from './helpers/attachmentScenarios.js';
import { scenarios, type World } from './helpers/scenarios.js';

let w: World;
afterEach(async () => {
  for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
});

describe('scenarios (in-process server)', () => {
  scenarios(() => {
    w = { be: new FakeBackend(), devices: [] };
    return w;
  });
});

describe('attachment scenarios (in-process server)', () => {
  attachmentScenarios(() => {
    w = { be: new FakeBackend(), devices: [] };
    return w;
  });
});
