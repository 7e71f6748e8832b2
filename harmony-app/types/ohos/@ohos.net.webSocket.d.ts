/* @ohos.net.webSocket (API 6+; subset used by Concord, API 12 shapes). Reference §2. */
import type { AsyncCallback, ErrorCallback, Callback } from './@ohos.base';

declare namespace webSocket {
  function createWebSocket(): WebSocket;

  interface WebSocketRequestOptions {
    header?: Object;
    caPath?: string;
    /** (12) Sec-WebSocket-Protocol */
    protocol?: string;
  }
  interface WebSocketCloseOptions {
    /** Only 1000-1015 are honoured; anything else is replaced by 1000 natively. */
    code?: number;
    reason?: string;
  }
  /** (10) */
  interface CloseResult {
    code: number;
    reason: string;
  }
  interface OpenResult {
    status: number;
    message: string;
  }

  interface WebSocket {
    /** Resolves once the request is created; success is the later 'open' event. */
    connect(url: string, options?: WebSocketRequestOptions): Promise<boolean>;
    /** Payload limit 5 MiB - 16 bytes (401 above it). No Uint8Array overload. */
    send(data: string | ArrayBuffer): Promise<boolean>;
    close(options?: WebSocketCloseOptions): Promise<boolean>;
    on(type: 'open', callback: AsyncCallback<Object>): void;
    on(type: 'message', callback: AsyncCallback<string | ArrayBuffer>): void;
    on(type: 'close', callback: AsyncCallback<CloseResult>): void;
    on(type: 'error', callback: ErrorCallback): void;
    on(type: 'dataEnd', callback: Callback<void>): void;
    off(type: 'open', callback?: AsyncCallback<Object>): void;
    off(type: 'message', callback?: AsyncCallback<string | ArrayBuffer>): void;
    off(type: 'close', callback?: AsyncCallback<CloseResult>): void;
    off(type: 'error', callback?: ErrorCallback): void;
    off(type: 'dataEnd', callback?: Callback<void>): void;
  }
}
export default webSocket;
