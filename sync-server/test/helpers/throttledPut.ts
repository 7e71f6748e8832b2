/**
 * An HTTP request whose body goes out at a bounded rate (a slow link, UPLOAD-2's tests and bench/upload): `pieceBytes`
 * at a time, each after the delay that keeps the rate at `bytesPerSecond`. `cutAfter` destroys the socket once that
 * many bytes went out (a link lost mid-chunk). Resolves with the status and body, or with status 0 when the
 * connection broke before an answer.
 */
import * as http from 'node:http';

export interface ThrottledAnswer {
  readonly status: number;
  readonly body: string;
}

export interface ThrottleOptions {
  readonly bytesPerSecond: number;
  readonly pieceBytes?: number;
  readonly cutAfter?: number;
  readonly headers?: Record<string, string>;
}

export function throttledRequest(method: string, url: string, bytes: Uint8Array, o: ThrottleOptions): Promise<ThrottledAnswer> {
  const piece = o.pieceBytes ?? 4096;
  const delayMs = (piece / o.bytesPerSecond) * 1000;
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: ThrottledAnswer): void => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const req = http.request(url, { method, headers: { 'Content-Length': String(bytes.byteLength), ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => done({ status: 0, body: '' }));
    });
    req.on('error', () => done({ status: 0, body: '' }));
    let sent = 0;
    const next = (): void => {
      if (settled || req.destroyed) return;
      if (o.cutAfter !== undefined && sent >= o.cutAfter) {
        req.destroy();
        done({ status: 0, body: '' });
        return;
      }
      if (sent >= bytes.byteLength) {
        req.end();
        return;
      }
      const end = Math.min(bytes.byteLength, sent + piece, o.cutAfter ?? Infinity);
      req.write(bytes.subarray(sent, end));
      sent = end;
      setTimeout(next, delayMs);
    };
    next();
  });
}
