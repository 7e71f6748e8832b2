/** [PRES-3] `GET` / `PUT /v1/me/presence`: who may see whether this account is online and when it was last. */
import { isPresenceVisibility, PRESENCE_VISIBILITY, type PresenceVisibility } from '@concord/protocol';
import { requiredString } from './body.js';
import { badRequest } from './errors.js';
import type { Router } from './router.js';
import type { Handler } from './routes.js';

export interface PresenceSettings {
  visibility(userId: string): PresenceVisibility;
  /** Stores the setting and tells the viewers who gain or lose sight. */
  setVisibility(userId: string, v: PresenceVisibility): void;
  /** A direct chat of the user was created: the two sides hear of each other at once (PRES-2). */
  introduce(userId: string): void;
}

export function addPresenceRoutes(router: Router<Handler>, presence: PresenceSettings): Router<Handler> {
  return router
    .add('GET', '/v1/me/presence', (ctx) => {
      const me = ctx.auth();
      return { status: 200, body: { visibility: presence.visibility(me.userId) } };
    })
    .add('PUT', '/v1/me/presence', async (ctx) => {
      const me = ctx.auth();
      const v = requiredString(await ctx.body(), 'visibility');
      if (!isPresenceVisibility(v)) throw badRequest(`visibility must be one of ${PRESENCE_VISIBILITY.join(', ')}`);
      presence.setVisibility(me.userId, v);
      return { status: 200, body: { visibility: v } };
    });
}
