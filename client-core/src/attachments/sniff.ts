/**
 * [ATTACH-4] The type an attachment's bytes may be shown as, from the bytes themselves, never from the sender's
 * `mime`: the sender chooses that, and an `image/svg+xml` "image" or a `text/html` "file" opened by an app in its own
 * origin runs script there. Only raster images and plain audio containers are allow-listed; everything else is opaque
 * bytes (`application/octet-stream`), saved as a download, never rendered.
 */

export const OPAQUE_TYPE = 'application/octet-stream';

/** Raster image formats every current browser and the OpenHarmony image decoder show without running anything. */
const IMAGES: readonly { readonly type: string; readonly test: (b: Uint8Array) => boolean }[] = [
  { type: 'image/png', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { type: 'image/webp', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { type: 'image/bmp', test: (b) => ascii(b, 0, 'BM') && b.length >= 26 },
];

const AUDIO: readonly { readonly type: string; readonly test: (b: Uint8Array) => boolean }[] = [
  { type: 'audio/ogg', test: (b) => ascii(b, 0, 'OggS') },
  { type: 'audio/webm', test: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) },
  // ISO base media (m4a, AAC in MP4): a `ftyp` box first.
  { type: 'audio/mp4', test: (b) => ascii(b, 4, 'ftyp') },
  { type: 'audio/wav', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE') },
  { type: 'audio/mpeg', test: (b) => ascii(b, 0, 'ID3') || (b.length > 1 && b[0] === 0xff && ((b[1] ?? 0) & 0xe6) === 0xe2) },
  // Raw AAC in ADTS frames (what a recorder writes without a container).
  { type: 'audio/aac', test: (b) => b.length > 1 && b[0] === 0xff && ((b[1] ?? 0) & 0xf6) === 0xf0 },
];

/**
 * The type to show `bytes` as for a message of type `kind`: a sniffed raster image for `image`, a sniffed audio
 * container for `voice`, else `OPAQUE_TYPE` (a file, or media whose bytes are not what they claim).
 */
export function safeMediaType(kind: string, bytes: Uint8Array): string {
  const table = kind === 'image' ? IMAGES : kind === 'voice' ? AUDIO : [];
  for (const entry of table) if (entry.test(bytes)) return entry.type;
  return OPAQUE_TYPE;
}

/** Whether `safeMediaType` found media of the message's kind (so it may be drawn or played inline). */
export function isInlineMedia(type: string): boolean {
  return type !== OPAQUE_TYPE;
}

function startsWith(b: Uint8Array, prefix: readonly number[]): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

function ascii(b: Uint8Array, at: number, text: string): boolean {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}
