/**
 * WEB-ATTACH-1: an attachment inside a message bubble. The bytes come from client-core (ATTACH-2: this device's
 * copy, else fetched from the server and kept) and are shown through an object URL that lives as long as the bubble.
 * The URL's type comes from the bytes (ATTACH-4), never from the sender's `mime`: anything that is not a raster
 * image or plain audio is opaque bytes, saved as a download, so no attachment can run script in this origin.
 */
import { isInlineMedia, safeMediaType, type Message } from '@concord/client-core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';
import { classifyFetchError, formatDuration, formatSize, retryDelay } from '@concord/client-core';

type Attachment = NonNullable<Message['attachment']>;

type BytesState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading' }
  | { readonly kind: 'waiting' | 'offline' }
  | { readonly kind: 'ready'; readonly url: string; readonly inline: boolean }
  | { readonly kind: 'error'; readonly text: string };

/**
 * The attachment's bytes as an object URL, fetched once `request` is above 0 (each increase tries again). While
 * the sender has not uploaded them yet (or the server is out of reach) it tries again on a growing timer, and at
 * once when the browser comes back online. The object URL is revoked when the bubble goes away or shows another
 * message, so images do not pile up in memory.
 */
function useAttachmentUrl(app: AppController, m: Message, request: number): BytesState {
  const [state, setState] = useState<BytesState>({ kind: 'idle' });
  // The latest message object for the fetch; the effect restarts only when the attachment itself changes.
  const latest = useRef(m);
  latest.current = m;
  const url = m.attachment?.url;
  const type = m.type;

  useEffect(() => {
    if (request <= 0 || url === undefined) return undefined;
    let alive = true;
    let objectUrl: string | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let inFlight = false;

    const load = (): void => {
      if (!alive || inFlight) return;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      inFlight = true;
      app.concord.attachmentBytes(latest.current).then(
        (bytes) => {
          inFlight = false;
          if (!alive) return;
          const safe = safeMediaType(type, bytes);
          objectUrl = URL.createObjectURL(new Blob([bytes as BlobPart], { type: safe }));
          setState({ kind: 'ready', url: objectUrl, inline: isInlineMedia(safe) });
        },
        (err: unknown) => {
          inFlight = false;
          if (!alive) return;
          const failure = classifyFetchError(err);
          if (failure === 'error') {
            setState({ kind: 'error', text: errorText(err) });
            return;
          }
          setState({ kind: failure });
          timer = setTimeout(load, retryDelay(attempt++));
        },
      );
    };

    setState({ kind: 'loading' });
    load();
    const onOnline = (): void => {
      attempt = 0;
      load();
    };
    window.addEventListener('online', onOnline);
    return () => {
      alive = false;
      window.removeEventListener('online', onOnline);
      if (timer !== null) clearTimeout(timer);
      if (objectUrl !== null) URL.revokeObjectURL(objectUrl);
    };
  }, [app, url, type, request]);

  return state;
}

export function AttachmentView({ app, m }: { app: AppController; m: Message }) {
  const a = m.attachment;
  if (a === undefined) return null;
  if (m.type === 'image') return <ImageAttachment app={app} m={m} a={a} />;
  if (m.type === 'voice') return <VoiceAttachment app={app} m={m} a={a} />;
  return <FileAttachment app={app} m={m} a={a} />;
}

function ImageAttachment({ app, m, a }: { app: AppController; m: Message; a: Attachment }) {
  const state = useAttachmentUrl(app, m, 1);
  // Bytes that are not a raster image whatever the sender said (an SVG, HTML): offered as a file, never drawn.
  if (state.kind === 'ready' && !state.inline) return <FileAttachment app={app} m={m} a={a} />;
  if (state.kind === 'ready') {
    return (
      <span class="attachment attachment-image" data-testid="attachment" data-state="ready">
        <img src={state.url} alt={a.name} title={`${a.name} (${formatSize(a.size)})`} />
      </span>
    );
  }
  return <Pending state={state} detail={`${a.name} · ${formatSize(a.size)}`} />;
}

function VoiceAttachment({ app, m, a }: { app: AppController; m: Message; a: Attachment }) {
  const state = useAttachmentUrl(app, m, 1);
  const duration = a.durationMs !== undefined ? formatDuration(a.durationMs) : '';
  const label = duration === '' ? 'Voice message' : `Voice message, ${duration}`;
  if (state.kind === 'ready' && !state.inline) return <FileAttachment app={app} m={m} a={a} />;
  if (state.kind === 'ready') {
    return (
      <span class="attachment attachment-voice" data-testid="attachment" data-state="ready">
        <audio controls preload="metadata" src={state.url} aria-label={label} />
      </span>
    );
  }
  return <Pending state={state} detail={label} />;
}

/**
 * A file is fetched only when asked for (it may be large and is rarely opened), then saved under its own name.
 * Once the bytes are here the button becomes a plain download link, so saving again needs no second fetch.
 */
function FileAttachment({ app, m, a }: { app: AppController; m: Message; a: Attachment }) {
  const [request, setRequest] = useState(0);
  const state = useAttachmentUrl(app, m, request);
  const size = formatSize(a.size);
  const saved = useRef(false);
  const link = useRef<HTMLAnchorElement>(null);

  // The first time the bytes arrive after a click, save them as if the link itself had been clicked.
  useEffect(() => {
    if (state.kind === 'ready' && !saved.current) {
      saved.current = true;
      link.current?.click();
    }
  }, [state]);

  const body = (
    <>
      <FileIcon />
      <span class="file-name">{a.name}</span>
      <span class="file-size">{size}</span>
    </>
  );
  return (
    <span class="attachment attachment-file" data-testid="attachment" data-state={state.kind}>
      {state.kind === 'ready' ? (
        <a ref={link} class="file-link" href={state.url} download={a.name} aria-label={`Download ${a.name}, ${size}`}>
          {body}
        </a>
      ) : (
        <button type="button" class="file-link" disabled={state.kind === 'loading'} aria-label={`Download ${a.name}, ${size}`} onClick={() => setRequest((n) => n + 1)}>
          {body}
        </button>
      )}
      {state.kind !== 'ready' && state.kind !== 'idle' && state.kind !== 'loading' && <PendingNote state={state} />}
    </span>
  );
}

function Pending({ state, detail }: { state: BytesState; detail: string }) {
  return (
    <span class="attachment attachment-pending" data-testid="attachment" data-state={state.kind}>
      <span class="attachment-placeholder">{detail}</span>
      <PendingNote state={state} />
    </span>
  );
}

function PendingNote({ state }: { state: BytesState }) {
  switch (state.kind) {
    case 'waiting':
      return <span class="attachment-note">waiting for upload…</span>;
    case 'offline':
      return <span class="attachment-note">offline, will retry…</span>;
    case 'error':
      return <span class="attachment-note error-text">Could not load: {state.text}</span>;
    default:
      return <span class="attachment-note">loading…</span>;
  }
}

/** Drawn rather than an emoji, which not every system has a font for. */
function FileIcon() {
  return (
    <svg class="file-icon" viewBox="0 0 16 20" width="16" height="20" aria-hidden="true" focusable="false">
      <path d="M1 1h9l5 5v13H1z" fill="#fff" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
      <path d="M10 1v5h5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
    </svg>
  );
}
