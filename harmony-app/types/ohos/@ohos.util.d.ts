/* @ohos.util (API 9+; subset): the text codecs, for the TextEncoder/TextDecoder globals client-core uses. */
declare namespace util {
  interface TextDecoderOptions {
    fatal?: boolean;
    ignoreBOM?: boolean;
  }
  interface DecodeWithStreamOptions {
    stream?: boolean;
  }
  class TextEncoder {
    constructor();
    /** (9) UTF-8 bytes of the string. */
    encodeInto(input?: string): Uint8Array;
  }
  class TextDecoder {
    /** (9) */
    static create(encoding?: string, options?: TextDecoderOptions): TextDecoder;
    /** (9; deprecated in 12 for decodeToString, still present) */
    decodeWithStream(input: Uint8Array, options?: DecodeWithStreamOptions): string;
  }
}
export default util;
