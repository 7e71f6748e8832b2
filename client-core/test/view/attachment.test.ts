import { describe, expect, it } from 'vitest';
import {
  FALLBACK_MIME,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  attachmentKindFor,
  attachmentProblem,
  classifyFetchError,
  formatDuration,
  formatSize,
  normalizeMime,
  previewText,
  retryDelay,
  lastMessagePreview,
  fileNameOfUri,
  imageMimeOf,
  WORDS_EN,
  WORDS_ZH,
} from '../../src/view/index.js';
import { MAX_ATTACHMENT_BYTES } from '../../src/index.js';

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

  it('[WEB-ATTACH-1] [HAPP-ATTACH-1] [VIEW-4] sizes read as people say them: bytes, one decimal under 10, whole numbers above', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(12)).toBe('12 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(12_595)).toBe('12 KB');
    expect(formatSize(9.99 * 1024)).toBe('10 KB');
    expect(formatSize(300 * 1024)).toBe('300 KB');
    expect(formatSize(1024 * 1024 - 1)).toBe('1 MB');
    expect(formatSize(1024 * 1024 - 100)).toBe('1 MB');
    expect(formatSize(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatSize(2.25 * 1024 * 1024)).toBe('2.3 MB');
    expect(formatSize(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatSize(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatSize(3 * 1024 ** 3)).toBe('3 GB');
    expect(formatSize(-1)).toBe('');
    expect(formatSize(Number.NaN)).toBe('');
  });

  it('[WEB-ATTACH-1] empty and over-limit files are refused before they are read, with a reason', () => {
    expect(attachmentProblem('a.txt', 1)).toBeNull();
    expect(attachmentProblem('a.txt', MAX_ATTACHMENT_BYTES)).toBeNull();
    expect(attachmentProblem('a.txt', 0)).toBe('“a.txt” is empty.');
    expect(attachmentProblem('big.mov', MAX_ATTACHMENT_BYTES + 1)).toBe('“big.mov” is too big (25 MB; the limit is 25 MB).');
    expect(attachmentProblem('big.mov', 30 * 1024 * 1024)).toBe('“big.mov” is too big (30 MB; the limit is 25 MB).');
  });

  it('[WEB-ATTACH-1] voice durations read m:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(7_400)).toBe('0:07');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
  });

  it('[WEB-ATTACH-1] [HAPP-ATTACH-1] [VIEW-5] list previews label attachments: [Image] name, [File] name, [Voice], in English and Chinese', () => {
    expect(previewText('text', 'hello\nthere', '')).toBe('hello there');
    expect(previewText('image', '', 'cat.png')).toBe('[Image] cat.png');
    expect(previewText('file', 'x', 'Q3 report\n final.pdf')).toBe('[File] Q3 report final.pdf');
    expect(previewText('voice', 'Voice message', 'voice.webm')).toBe('[Voice]');
    expect(previewText('image', '', '')).toBe('[Image]');
    expect(previewText('file', '', '')).toBe('[File]');
    // No attachment name (an old message): the body names it.
    expect(previewText('image', 'dog.jpg', '', WORDS_EN)).toBe('[Image] dog.jpg');
    expect(previewText('image', 'cat.png', 'cat.png', WORDS_ZH)).toBe('[图片] cat.png');
    expect(previewText('file', 'a.zip', 'a.zip', WORDS_ZH)).toBe('[文件] a.zip');
    expect(previewText('voice', 'Voice message', '', WORDS_ZH)).toBe('[语音]');
    expect(lastMessagePreview({ id: 'm', author: 'u', type: 'image', body: 'x', sentAt: 1, attachment: { url: 'blob:b', name: 'pic.png', mime: 'image/png', size: 3 } })).toBe('[Image] pic.png');
  });

  it('[VIEW-10] [HAPP-ATTACH-1] names and types the picked image from its URI', () => {
    expect(fileNameOfUri('file://media/Photo/12/IMG_1700000000_011/IMG_20261204_101500.jpg', 'image.jpg')).toBe('IMG_20261204_101500.jpg');
    expect(fileNameOfUri('file://media/Photo/3/x/%E7%8C%AB%20cat.PNG?networkid=1', 'image.jpg')).toBe('猫 cat.PNG');
    expect(fileNameOfUri('file://media/Photo/3/', 'image.jpg')).toBe('image.jpg');
    expect(fileNameOfUri('file://media/Photo/3/bad%E0name.gif', 'image.jpg')).toBe('bad%E0name.gif');
    expect(imageMimeOf('猫 cat.PNG')).toBe('image/png');
    expect(imageMimeOf('a.webp')).toBe('image/webp');
    expect(imageMimeOf('IMG_1.heic')).toBe('image/heic');
    expect(imageMimeOf('IMG_1.jpg')).toBe('image/jpeg');
    expect(imageMimeOf('no-extension')).toBe('image/jpeg');
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
