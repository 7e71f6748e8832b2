/** The social routes (SPEC GROUP-*, CONTACT-*, BLOCK-*, PRIVACY-*, PROFILE-*): input checks, then a service call. */
import type { UserId } from '@concord/protocol';
import { optionalString, requiredString, requiredStringArray, type JsonObject } from './body.js';
import type { ContactService } from './contacts.js';
import { MAX_GROUP_MEMBERS } from './conversations.js';
import { badRequest } from './errors.js';
import type { GroupService } from './groups.js';
import type { ProfileService } from './profiles.js';
import type { Router } from './router.js';
import type { Handler } from './routes.js';

export interface SocialRouteDeps {
  readonly groups: GroupService;
  readonly contacts: ContactService;
  readonly profiles: ProfileService;
}

/** A string, null (to remove) or absent. */
function optionalNullable(body: JsonObject, name: string): string | null | undefined {
  if (!Object.prototype.hasOwnProperty.call(body, name)) return undefined;
  const v = body[name];
  if (v === null) return null;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string or null`);
  return v;
}

export function addSocialRoutes(router: Router<Handler>, deps: SocialRouteDeps): Router<Handler> {
  const { groups, contacts, profiles } = deps;
  const conv = (params: Readonly<Record<string, string>>): string => params['conversationId'] ?? '';
  const user = (params: Readonly<Record<string, string>>): string => params['userId'] ?? '';
  const me = (ctx: Parameters<Handler>[0]): UserId => ctx.auth().userId;
  return router
    .add('PUT', '/v1/conversations/:conversationId', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      await groups.update(caller, conv(ctx.params), { title: optionalString(body, 'title'), avatar: optionalNullable(body, 'avatar') });
      return { status: 204 };
    })
    .add('POST', '/v1/conversations/:conversationId/members', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      await groups.addMembers(caller, conv(ctx.params), requiredStringArray(body, 'members', MAX_GROUP_MEMBERS));
      return { status: 204 };
    })
    .add('PUT', '/v1/conversations/:conversationId/members/:userId/role', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      await groups.setRole(caller, conv(ctx.params), user(ctx.params), requiredString(body, 'role'));
      return { status: 204 };
    })
    .add('POST', '/v1/conversations/:conversationId/owner', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      await groups.transferOwnership(caller, conv(ctx.params), requiredString(body, 'userId'));
      return { status: 204 };
    })
    .add('POST', '/v1/contacts/requests', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      const result = await contacts.request(
        caller,
        { userId: optionalString(body, 'userId'), username: optionalString(body, 'username'), code: optionalString(body, 'code') },
        optionalString(body, 'note'),
      );
      return { status: result.state === 'requested' ? 201 : 200, body: result };
    })
    .add('POST', '/v1/contacts/requests/:userId/accept', async (ctx) => {
      await contacts.accept(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('POST', '/v1/contacts/requests/:userId/decline', async (ctx) => {
      await contacts.decline(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('DELETE', '/v1/contacts/requests/:userId', async (ctx) => {
      await contacts.cancel(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('DELETE', '/v1/contacts/:userId', async (ctx) => {
      await contacts.remove(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('PUT', '/v1/blocks/:userId', async (ctx) => {
      await contacts.block(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('DELETE', '/v1/blocks/:userId', async (ctx) => {
      await contacts.unblock(me(ctx), user(ctx.params));
      return { status: 204 };
    })
    .add('PUT', '/v1/me/privacy', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      return { status: 200, body: await profiles.setPrivacy(caller, { findBy: optionalString(body, 'findBy'), groupAdd: optionalString(body, 'groupAdd') }) };
    })
    .add('PUT', '/v1/me/profile', async (ctx) => {
      const caller = me(ctx);
      const body = await ctx.body();
      const change = { displayName: optionalString(body, 'displayName'), status: optionalString(body, 'status'), avatar: optionalNullable(body, 'avatar') };
      return { status: 200, body: await profiles.update(caller, change) };
    })
    .add('GET', '/v1/me/code', async (ctx) => ({ status: 200, body: await profiles.code(me(ctx)) }))
    .add('POST', '/v1/me/code', async (ctx) => ({ status: 200, body: await profiles.rotateCode(me(ctx)) }))
    .add('GET', '/v1/users/:userId/avatar', async (ctx) => {
      const avatar = profiles.avatar(me(ctx), user(ctx.params));
      // Opened before answering, so a missing file is a clean 404 rather than a cut-off 200.
      const file = await avatar.open();
      return {
        status: 200,
        binary: {
          // [BLOB-4] never the uploader's type: bytes to download; clients sniff images (ATTACH-4).
          contentType: 'application/octet-stream',
          length: file.size,
          headers: { 'Content-Disposition': 'attachment', ETag: `"${avatar.blobId}"`, 'Cache-Control': 'private, no-cache' },
          open: () => Promise.resolve(file.stream),
        },
      };
    })
    .add('GET', '/v1/codes/:code', (ctx) => ({ status: 200, body: profiles.resolveCode(me(ctx), ctx.params['code'] ?? '') }));
}
