/**
 * The client side of the upload bench: client-core's AttachmentTransfer (the code the apps run) over a fetch whose
 * request bodies go out at a fixed rate (a simulated slow uplink), and which cuts the link twice mid-chunk.
 */
import * as http from 'node:http';
import { randomBytes } from 'node:crypto';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { AttachmentStore } from '../../client-core/src/attachments/store.ts';
import { AttachmentTransfer } from '../../client-core/src/attachments/transfer.ts';

export { AttachmentStore, AttachmentTransfer, MemoryStorageAdapter, randomBytes };

/**
 * A FetchLike over node:http whose request body is written in pieces at `bytesPerSecond`. `shouldCut(sentSoFar)`
 * is asked before each piece; true destroys the request (the link is lost) and the fetch rejects.
 */
export function throttledFetch(bytesPerSecond, shouldCut) {
  const piece = 4096;
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const body = init.body === undefined ? null : typeof init.body === 'string' ? Buffer.from(init.body) : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
      const headers = { ...(init.headers ?? {}) };
      if (body !== null) headers['content-length'] = String(body.length);
      const req = http.request(url, { method: init.method ?? 'GET', headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            ok: (res.statusCode ?? 0) < 300,
            text: async () => bytes.toString('utf8'),
            arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
          });
        });
      });
      req.on('error', reject);
      if (body === null) {
        req.end();
        return;
      }
      let sent = 0;
      const t0 = Date.now();
      const next = () => {
        if (req.destroyed) return;
        if (shouldCut(sent, body.length)) {
          req.destroy(new Error('link lost'));
          return;
        }
        if (sent >= body.length) {
          req.end();
          return;
        }
        const end = Math.min(body.length, sent + piece);
        // A piece leaves when the link would have finished sending it, paced against the clock (not piece by piece),
        // so timer lateness does not slow the link below its rate, nor does the first piece go out early.
        setTimeout(() => {
          if (req.destroyed) return;
          req.write(body.subarray(sent, end));
          sent = end;
          next();
        }, Math.max(0, (end / bytesPerSecond) * 1000 - (Date.now() - t0)));
      };
      next();
    });
}
