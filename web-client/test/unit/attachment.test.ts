import { describe, expect, it } from 'vitest';
import {
  FALLBACK_MIME,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  MAX_ATTACHMENT_BYTES,
  attachmentKindFor,
  attachmentProblem,
  classifyFetchError,
  formatDuration,
  formatSize,
  normalizeMime,
  previewText,
  retryDelay,
} from '../../src/display/attachment.js';

describe('attachments (display)', () => {
  it('[WEB-ATTACH-1] image/* is sent as an image, anything else as a file', () => {
    expect(attachmentKindFor('image/png')).toBe('image');
    expect(attachmentKindFor('image/jpeg')).toBe('image');
    expect(attachmentKindFor('IMAGE/WebP')).toBe('image');
    expect(attachmentKindFor('text/plain')).toBe('file');
    expect(attachmentKindFor('application/pdf')).toBe('file');
    expect(attachmentKindFor('')).toBe('file');
    expect(attachmentKindFor('imagepng')).toBe('file');
  });

  it('[WEB-ATTACH-1] the mime type sent is a plain type/subtype the server accepts, else octet-stream', () => {
    expect(normalizeMime('image/png')).toBe('image/png');
    expect(normalizeMime('Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect(normalizeMime('application/vnd.openxmlformats-officedocument.wordprocessingml.document')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(normalizeMime('')).toBe(FALLBACK_MIME);
    expect(normalizeMime('nonsense')).toBe(FALLBACK_MIME);
    expect(normalizeMime('a/b c')).toBe(FALLBACK_MIME);
    expect(normalizeMime(`application/${'x'.repeat(100)}`)).toBe(FALLBACK_MIME);
  });

  it('[WEB-ATTACH-1] sizes are human: bytes, then one decimal under 100, whole numbers above', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(12)).toBe('12 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1.0 KB');
    expect(formatSize(12_595)).toBe('12.3 KB');
    expect(formatSize(99.9 * 1024)).toBe('99.9 KB');
    expect(formatSize(100 * 1024)).toBe('100 KB');
    expect(formatSize(1024 * 1024 - 1)).toBe('1.0 MB');
    expect(formatSize(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatSize(25 * 1024 * 1024)).toBe('25.0 MB');
    expect(formatSize(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatSize(-1)).toBe('');
    expect(formatSize(Number.NaN)).toBe('');
  });

  it('[WEB-ATTACH-1] empty and over-limit files are refused before they are read, with a reason', () => {
    expect(attachmentProblem('a.txt', 1)).toBeNull();
    expect(attachmentProblem('a.txt', MAX_ATTACHMENT_BYTES)).toBeNull();
    expect(attachmentProblem('a.txt', 0)).toBe('“a.txt” is empty.');
    expect(attachmentProblem('big.mov', MAX_ATTACHMENT_BYTES + 1)).toBe('“big.mov” is too big (25.0 MB; the limit is 25.0 MB).');
    expect(attachmentProblem('big.mov', 30 * 1024 * 1024)).toBe('“big.mov” is too big (30.0 MB; the limit is 25.0 MB).');
  });

  it('[WEB-ATTACH-1] voice durations read m:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('[WEB-ATTACH-1] list previews label attachments: [Image] name, [File] name, [Voice]', () => {
    expect(previewText({ body: 'hello\nthere', type: 'text' })).toBe('hello there');
    expect(previewText({ body: 'no type known' })).toBe('no type known');
    expect(previewText({ body: '', type: 'image', attachment: { name: 'cat.png' } })).toBe('[Image] cat.png');
    expect(previewText({ body: '', type: 'file', attachment: { name: 'notes\nfinal.txt' } })).toBe('[File] notes final.txt');
    expect(previewText({ body: '', type: 'voice', attachment: { name: 'voice.webm', durationMs: 4_000 } })).toBe('[Voice]');
    expect(previewText({ body: '', type: 'image' })).toBe('[Image]');
    expect(previewText({ body: '', type: 'file' })).toBe('[File]');
  });

  it('[WEB-ATTACH-1] a blob not uploaded yet and an unreachable server are retried; other failures are shown', () => {
    expect(classifyFetchError({ code: 'attachment_unavailable', message: 'x' })).toBe('waiting');
    expect(classifyFetchError({ code: 'network', status: 0 })).toBe('offline');
    expect(classifyFetchError({ code: 'forbidden', status: 403 })).toBe('error');
    expect(classifyFetchError(new Error('boom'))).toBe('error');
    expect(classifyFetchError('boom')).toBe('error');
    expect(retryDelay(0)).toBe(RETRY_FIRST_MS);
    expect(retryDelay(1)).toBe(4_500);
    expect(retryDelay(50)).toBe(RETRY_MAX_MS);
  });
});
