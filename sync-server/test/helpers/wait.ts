/** Waits with deadlines, for tests: an event either comes or the test fails saying what it waited for. */
import WebSocket from 'ws';

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Opens a WebSocket and resolves once it is open (rejects on error or after 5 s). */
export function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  return within(
    new Promise<WebSocket>((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    5000,
    `socket ${url.replace(/token=[^&]+/, 'token=…')} to open`,
  );
}

/** The close code of a socket, once it closes (5 s at most). */
export function closeCode(ws: WebSocket): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('socket already closed'));
  return within(new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))), 5000, 'the socket to close');
}
