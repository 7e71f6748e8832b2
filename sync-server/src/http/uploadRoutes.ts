/** The resumable-upload routes (SPEC UPLOAD-1..4): thin handlers over UploadService. */
import type { Handler } from './routes.js';
import type { Router } from './router.js';
import type { UploadService } from './uploads.js';

const UPLOADS_PATH = '/v1/conversations/:conversationId/uploads';
const UPLOAD_PATH = `${UPLOADS_PATH}/:uploadId`;

export function addUploadRoutes(router: Router<Handler>, uploads: UploadService): Router<Handler> {
  return router
    .add('POST', UPLOADS_PATH, async (ctx) => {
      const me = ctx.auth();
      const body = await ctx.body();
      const { created, state } = uploads.start(me.userId, ctx.params['conversationId'] ?? '', body['blobId'], body['size'], body['mime']);
      return { status: created ? 201 : 200, body: state };
    })
    .add('GET', UPLOAD_PATH, (ctx) => {
      const me = ctx.auth();
      return { status: 200, body: uploads.status(me.userId, ctx.params['conversationId'] ?? '', ctx.params['uploadId'] ?? '') };
    })
    .add('PUT', UPLOAD_PATH, async (ctx) => {
      try {
        const me = ctx.auth();
        const { status, state } = await uploads.chunk(
          me.userId,
          ctx.params['conversationId'] ?? '',
          ctx.params['uploadId'] ?? '',
          ctx.query.get('offset'),
          (limit) => ctx.rawBody(limit),
        );
        return { status, body: state };
      } catch (err) {
        // Like BLOB-1: a refused chunk is not read to its end, and the client still reads the refusal.
        ctx.discardBody();
        throw err;
      }
    })
    .add('DELETE', UPLOAD_PATH, async (ctx) => {
      const me = ctx.auth();
      await uploads.cancel(me.userId, ctx.params['conversationId'] ?? '', ctx.params['uploadId'] ?? '');
      return { status: 204 };
    });
}
