/*
 * Stand-in for `@ohos.util`'s TextEncoder (encodeInto(string): Uint8Array, API 9) and TextDecoder
 * (TextDecoder.create(encoding), decodeWithStream(Uint8Array): string, API 9), on Node's codecs. Counts use so a
 * test can tell the shim, not Node's global, did the work.
 */
import type { UtilDecoder, UtilEncoder, UtilModule } from '@concord/runtime';

export const usage = { encodes: 0, decodes: 0 };

class StandinTextEncoder implements UtilEncoder {
  encodeInto(input = ''): Uint8Array {
    usage.encodes++;
    return new Uint8Array(Buffer.from(input, 'utf8'));
  }
}

class StandinTextDecoder implements UtilDecoder {
  static create(encoding = 'utf-8'): StandinTextDecoder {
    if (encoding.toLowerCase() !== 'utf-8') throw new Error(`unsupported ${encoding}`);
    return new StandinTextDecoder();
  }
  decodeWithStream(input: Uint8Array): string {
    usage.decodes++;
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  }
}

/** The UtilModule the platform code takes, over the stand-in codecs. */
export const standinUtil: UtilModule = {
  createEncoder: () => new StandinTextEncoder(),
  createDecoder: (encoding: string) => StandinTextDecoder.create(encoding),
};

/** The `@ohos.util` module itself (its TextEncoder class and TextDecoder.create), as nativeModules.ts uses it. */
export const standinOhosUtil = { TextEncoder: StandinTextEncoder, TextDecoder: StandinTextDecoder };
