/**
 * Security headers on every response (SPEC WEB-SERVE-7, issue 21 High 4). The web app is served from the API's origin,
 * where the session token lives, so what may run there is fixed here rather than left to the browser's guesses.
 */

/**
 * The web app: its own scripts, styles, workers and socket only; attachments are shown from `blob:` URLs whose type
 * the client took from the bytes (ATTACH-4), and `data:` covers the inline favicon. No plugins, no framing, no
 * `<base>` games, forms post only here.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** API answers (JSON, blobs) are data: nothing in them runs, is framed, or is sniffed into something that does. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
