/*
 * UTF-8 for the app's own code: the API 12 SDK declares no TextEncoder/TextDecoder global, so the app uses
 * `@ohos.util`'s codecs. (The client-core bundle calls the WHATWG globals; `@concord/runtime` installs them from the
 * same codecs, see bundle-runtime/globals.ts.) Only UTF-8 is needed.
 */
import type { UtilDecoder, UtilEncoder, UtilModule } from '@concord/runtime';

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
