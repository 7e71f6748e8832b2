import { describe, expect, it } from 'vitest';
import { parseRoute } from '../../src/ui/routes.js';

describe('routes', () => {
  it('[WEB-ROUTE-1] hash routes', () => {
    expect(parseRoute('')).toEqual({ name: 'home' });
    expect(parseRoute('#/')).toEqual({ name: 'home' });
    expect(parseRoute('#/c/abc-1')).toEqual({ name: 'chat', id: 'abc-1' });
    expect(parseRoute('#/c/')).toEqual({ name: 'home' });
    expect(parseRoute('#/new')).toEqual({ name: 'new' });
    expect(parseRoute('#/devices')).toEqual({ name: 'devices' });
    expect(parseRoute('#/whatever')).toEqual({ name: 'home' });
  });
});
