/*
 * client-core (and lib0 when TextDecoder exists) uses the WHATWG TextEncoder/TextDecoder globals. The ArkTS SDK
 * does not declare them (reference §4; whether the runtime has them is unverified), so the app installs
 * `@ohos.util`'s codecs under those names when they are missing. Only UTF-8 is needed.
 */
import type util from '@ohos.util';

/** The part of `util.TextEncoder` used here (API 9 signature; a real encoder is one). */
export interface UtilEncoder {
  encodeInto(input?: string): Uint8Array;
}
/** The part of `util.TextDecoder` used here (API 9 signature; a real decoder is one). */
export interface UtilDecoder {
  decodeWithStream(input: Uint8Array): string;
}

/** `@ohos.util`'s codec factories (nativeModules.ts on a device, test/standins/util.ts in Node). */
export interface UtilModule {
  createEncoder(): UtilEncoder;
  createDecoder(encoding: string, options?: util.TextDecoderOptions): UtilDecoder;
}

/** UTF-8 text to bytes and back: what the app's own code uses (the SDK declares no TextEncoder/TextDecoder global). */
export interface TextCodec {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

/** `@ohos.util`'s UTF-8 codecs as a TextCodec. */
export class Utf8Codec implements TextCodec {
  private readonly encoder: UtilEncoder;
  private readonly decoder: UtilDecoder;
  constructor(u: UtilModule) {
    this.encoder = u.createEncoder();
    this.decoder = u.createDecoder('utf-8');
  }
  encode(text: string): Uint8Array {
    return this.encoder.encodeInto(text);
  }
  decode(bytes: Uint8Array): string {
    return this.decoder.decodeWithStream(bytes);
  }
}

interface CodecGlobals {
  TextEncoder?: unknown;
  TextDecoder?: unknown;
}

export function installTextCodecs(u: UtilModule, target: object = globalThis): boolean {
  const g = target as CodecGlobals;
  if (typeof g.TextEncoder === 'function' && typeof g.TextDecoder === 'function') return false;
  class OhosTextEncoder {
    readonly encoding = 'utf-8';
    private readonly inner = u.createEncoder();
    encode(input = ''): Uint8Array {
      return this.inner.encodeInto(input);
    }
  }
  class OhosTextDecoder {
    readonly encoding = 'utf-8';
    private readonly inner: UtilDecoder;
    constructor(label = 'utf-8', options?: util.TextDecoderOptions) {
      if (label.toLowerCase().replace('_', '-') !== 'utf-8' && label.toLowerCase() !== 'utf8') {
        throw new RangeError(`only utf-8 is supported, not ${label}`);
      }
      this.inner = u.createDecoder('utf-8', options);
    }
    decode(input?: ArrayBuffer | ArrayBufferView): string {
      if (input === undefined) return '';
      const bytes = input instanceof Uint8Array ? input : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);
      return this.inner.decodeWithStream(bytes);
    }
  }
  const define = (name: string, value: unknown) =>
    Object.defineProperty(target, name, { value, configurable: true, writable: true, enumerable: false });
  if (typeof g.TextEncoder !== 'function') define('TextEncoder', OhosTextEncoder);
  if (typeof g.TextDecoder !== 'function') define('TextDecoder', OhosTextDecoder);
  return true;
}
