/* @ohos.net.http (API 6+; subset). One HttpRequest per request, then destroy(). Reference §3. */
import type { Callback } from './@ohos.base';
declare namespace http {
  function createHttp(): HttpRequest;
  enum RequestMethod {
    OPTIONS = 'OPTIONS',
    GET = 'GET',
    HEAD = 'HEAD',
    POST = 'POST',
    PUT = 'PUT',
    DELETE = 'DELETE',
    TRACE = 'TRACE',
    CONNECT = 'CONNECT',
  }
  enum HttpDataType {
    STRING = 0,
    OBJECT = 1,
    ARRAY_BUFFER = 2,
  }
  interface HttpRequestOptions {
    method?: RequestMethod;
    extraData?: string | Object | ArrayBuffer;
    expectDataType?: HttpDataType;
    header?: Object;
    readTimeout?: number;
    connectTimeout?: number;
    /** (11) Largest response accepted, in bytes: default 5 MiB, at most 100 MiB. Before API 23 request() receives at most 5 MB anyway. */
    maxLimit?: number;
  }
  interface HttpResponse {
    result: string | Object | ArrayBuffer;
    resultType: HttpDataType;
    responseCode: number;
    header: Object;
  }
  /** (12) */
  interface DataReceiveProgressInfo {
    receiveSize: number;
    totalSize: number;
  }
  interface HttpRequest {
    request(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;
    /** (10) The body arrives through 'dataReceive' events, then 'dataEnd'; resolves with the response code. No 5 MB cap. */
    requestInStream(url: string, options?: HttpRequestOptions): Promise<number>;
    on(type: 'dataReceive', callback: Callback<ArrayBuffer>): void;
    off(type: 'dataReceive', callback?: Callback<ArrayBuffer>): void;
    on(type: 'dataEnd', callback: Callback<void>): void;
    off(type: 'dataEnd', callback?: Callback<void>): void;
    /** (10; the info type is named from 12) */
    on(type: 'dataReceiveProgress', callback: Callback<DataReceiveProgressInfo>): void;
    off(type: 'dataReceiveProgress', callback?: Callback<DataReceiveProgressInfo>): void;
    destroy(): void;
  }
}
export default http;
