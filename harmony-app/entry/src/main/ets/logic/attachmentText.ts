/*
 * How attachments read in the list and in chat bubbles (HAPP-ATTACH-1): pure, ArkTS-clean, unit-tested.
 */
import { TimeWords } from './timeLabels';

const KB = 1024;
const MB = 1024 * 1024;

/** One decimal below 10 ("1.5 KB", "9.9 MB"), whole numbers above ("25 MB"); bytes as they are ("532 B"). */
function scaled(n: number, unit: number, name: string): string {
  const v = n / unit;
  const text = v < 10 ? (Math.round(v * 10) / 10).toFixed(1).replace(/\.0$/, '') : `${Math.round(v)}`;
  return `${text} ${name}`;
}

/** A file size as people read it, in binary units with the usual short names (B, KB, MB). */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < KB) return `${Math.round(bytes)} B`;
  // 1023.96 KB would round to "1024 KB": show it as the next unit.
  if (bytes < MB - KB / 2) return scaled(bytes, KB, 'KB');
  return scaled(bytes, MB, 'MB');
}

/**
 * The one-line preview of a message in the conversation list: `[Image] name`, `[File] name`, `[Voice]` (voice has no
 * useful name), else the text itself. `type` is client-core's message type.
 */
export function messagePreview(type: string, body: string, attachmentName: string, words: TimeWords): string {
  const name = (attachmentName.length > 0 ? attachmentName : body).trim().replace(/\s+/g, ' ');
  if (type === 'image') return words.imagePrefix + name;
  if (type === 'file') return words.filePrefix + name;
  if (type === 'voice') return words.voiceLabel;
  return body;
}

/**
 * The file name in a picker URI (`file://media/Photo/12/IMG_1700000000_011/IMG_20261204_101500.jpg` names the
 * photo `IMG_20261204_101500.jpg`): its last path segment, percent-decoded when that is valid; `fallback` when empty.
 */
export function fileNameOfUri(uri: string, fallback: string): string {
  let end = uri.length;
  const q = uri.indexOf('?');
  if (q >= 0) end = q;
  const h = uri.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const path = uri.substring(0, end);
  const last = path.substring(path.lastIndexOf('/') + 1);
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch (e) {
    name = last;
  }
  return name.trim().length > 0 ? name.trim() : fallback;
}

/** An image's mime type from its file name's extension; `image/jpeg` (what cameras write) when unknown. */
export function imageMimeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.substring(dot + 1).toLowerCase();
  if (ext === 'png') return 'image/png';
  if (ext === 'gif') return 'image/gif';
  if (ext === 'webp') return 'image/webp';
  if (ext === 'bmp') return 'image/bmp';
  if (ext === 'heic') return 'image/heic';
  if (ext === 'heif') return 'image/heif';
  if (ext === 'svg') return 'image/svg+xml';
  return 'image/jpeg';
}
