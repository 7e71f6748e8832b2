/*
 * A GET through `@ohos.net.http`'s `requestInStream` (API 10; HAPP-ATTACH-3): before API 23 `request()` receives at
 * most 5 MB, the stream has no such cap. The body's 'dataReceive' chunks are copied as they come (the native side's
 * buffer is not documented as ours to keep), at most `maxBytes` in all: a longer body is cut off (the request is
 * destroyed by the caller) and rejected. Done when the promise has given the response code and 'dataEnd' has come;
 * their order is not documented, so whichever comes second completes it, and the end is awaited at most
 * `timeoutMs` after the code. The listeners are taken off whatever happens.
 */
import type http from '@ohos.net.http';
import type { Callback } from '@ohos.base';

/** The part of `http.HttpRequest` a streamed GET uses, with the SDK's signatures (a real HttpRequest is one). */
export interface StreamingRequest {
  requestInStream(url: string, options?: http.HttpRequestOptions): Promise<number>;
  on(type: 'dataReceive', callback: Callback<ArrayBuffer>): void;
  on(type: 'dataEnd', callback: Callback<void>): void;
  off(type: 'dataReceive', callback?: Callback<ArrayBuffer>): void;
  off(type: 'dataEnd', callback?: Callback<void>): void;
}

export class StreamedResponse {
  readonly status: number;
  readonly body: ArrayBuffer;
  constructor(status: number, body: ArrayBuffer) {
    this.status = status;
    this.body = body;
  }
}

// The enum lives on the native module object, which platform code receives injected; the value is the SDK's.
const ARRAY_BUFFER = 2 as http.HttpDataType;

function concat(chunks: ArrayBuffer[], size: number): ArrayBuffer {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c), at);
    at += c.byteLength;
  }
  return out.buffer;
}

export function receiveInStream(
  req: StreamingRequest,
  url: string,
  header: Record<string, string>,
  timeoutMs: number,
  maxBytes: number,
): Promise<StreamedResponse> {
  return new Promise<StreamedResponse>((resolve, reject) => {
    const chunks: ArrayBuffer[] = [];
    let size = 0;
    let status = -1;
    let ended = false;
    let settled = false;
    // The wait for 'dataEnd' is not cancelled when the download settles first: the timer handle is a number on
    // ArkTS and an object in Node, so none is kept (as in facade/draft.ts); a late timer finds `settled` and does
    // nothing, and the chunks were let go when the download settled.
    const onData = (chunk: ArrayBuffer): void => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        finish(new Error(`the response is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk.slice(0));
    };
    const onEnd = (): void => {
      ended = true;
      if (status >= 0) finish(null);
    };
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      req.off('dataReceive', onData);
      req.off('dataEnd', onEnd);
      const body = err === null ? concat(chunks, size) : null;
      chunks.length = 0;
      if (body === null) reject(err);
      else resolve(new StreamedResponse(status, body));
    };
    req.on('dataReceive', onData);
    req.on('dataEnd', onEnd);
    req
      .requestInStream(url, {
        method: 'GET' as http.RequestMethod,
        header,
        expectDataType: ARRAY_BUFFER,
        connectTimeout: timeoutMs,
        readTimeout: timeoutMs,
      })
      .then(
        (code: number): void => {
          status = code;
          if (ended) finish(null);
          else setTimeout(() => finish(new Error(`no 'dataEnd' within ${timeoutMs} ms of the response code`)), timeoutMs);
        },
        (e: Error): void => finish(e),
      );
  });
}
