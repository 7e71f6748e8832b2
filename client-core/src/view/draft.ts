/*
 * VIEW-7 (WEB-DRAFT-1, HAPP-DRAFT-1): the open chat's composer text as the conversation's draft (`setDraft`, the
 * `drafts` map of the user doc, so the account's other devices list it too). Both apps' composers only forward
 * edits to a ComposerDraft and show `text`. Platform-free: timers are the global setTimeout both platforms have.
 */
import { MAX_MESSAGE_LENGTH } from '@concord/protocol';

/**
 * The draft is written this long after the last edit, and at once when the chat is left or the page hidden: one
 * write per pause, not one per key (each write is a user-doc update that goes to the server and every device).
 */
export const DRAFT_SAVE_MS = 500;

export type DraftWriter = (text: string) => Promise<void>;
export type DraftListener = (text: string) => void;

export class ComposerDraft {
  /** What the composer shows. */
  private current: string;
  /** What the user doc holds, as far as this chat knows (written by it, or read from the list). */
  private saved: string;
  /**
   * The user typed here (or sent): from then on the composer is theirs, and a stored draft arriving later (the list
   * loading after the chat opened, another device writing) never overwrites what is being typed.
   */
  private touched = false;
  /**
   * Edits so far. Every edit starts its own timer and a timer whose edit is no longer the latest does nothing, so
   * only a pause writes. (No clearTimeout: the timer handle is a number on ArkTS and an object in Node, and the
   * facade is type-checked for both.)
   */
  private edits = 0;
  private pending = false;
  private closed = false;
  private readonly listeners: DraftListener[] = [];
  private readonly write: DraftWriter;
  private readonly maxLength: number;
  private readonly delayMs: number;

  /**
   * `maxLength`: the longest draft written (the server refuses a longer one, TRUST-9, and with it the user-doc
   * update that carries it); the composer keeps all of a longer text, the draft its start.
   */
  constructor(stored: string, write: DraftWriter, maxLength: number = MAX_MESSAGE_LENGTH, delayMs: number = DRAFT_SAVE_MS) {
    this.current = stored;
    this.saved = stored;
    this.write = write;
    this.maxLength = maxLength;
    this.delayMs = delayMs;
  }

  get text(): string {
    return this.current;
  }

  /**
   * The composer text was replaced by something other than typing (the stored draft taken over, a failed send put
   * back): the page sets its text field.
   */
  onChanged(listener: DraftListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The conversation list says the stored draft is `text`. Taken only while the user has not typed here. */
  stored(text: string): void {
    if (this.closed || this.touched || text === this.current) return;
    this.current = text;
    this.saved = text;
    this.changed();
  }

  /**
   * The user changed the text. A call with the text already shown is the text field echoing a value the page set
   * (the stored draft, a cleared box), not typing: it neither counts as an edit nor restarts the pause.
   */
  edit(text: string): void {
    if (this.closed || text === this.current) return;
    this.touched = true;
    this.current = text;
    this.schedule();
  }

  /** Writes a pending edit now (the chat is left, the app goes to the background). */
  flush(): void {
    if (this.closed) return;
    this.store(this.current);
  }

  /** The text is being sent: the box empties and the draft is cleared at once (no write if none was stored). */
  sent(): void {
    if (this.closed) return;
    this.touched = true;
    this.current = '';
    this.store('');
  }

  /** Sending `text` failed: it goes back in the box, and back to being the draft after the usual pause. */
  sendFailed(text: string): void {
    if (this.closed) return;
    this.touched = true;
    if (text !== this.current) {
      this.current = text;
      this.changed();
    }
    this.schedule();
  }

  /** The chat page was left: a pending edit is written now, and nothing is written after. */
  close(): void {
    this.flush();
    this.closed = true;
    this.listeners.splice(0);
  }

  private schedule(): void {
    const edit = ++this.edits;
    this.pending = true;
    setTimeout(() => {
      if (edit === this.edits && this.pending && !this.closed) this.store(this.current);
    }, this.delayMs);
  }

  private store(full: string): void {
    this.pending = false;
    const text = storedDraft(full, this.maxLength);
    if (text === this.saved) return;
    const before = this.saved;
    this.saved = text;
    this.write(text).catch(() => {
      // The client closed (logout) or the local store failed: the text is still in the box, and since it is not
      // stored the next pause or flush writes it again.
      if (this.saved === text) this.saved = before;
    });
  }

  private changed(): void {
    for (const l of this.listeners.slice()) l(this.current);
  }
}

/**
 * What of the composer's text is stored as the draft: the server refuses a draft longer than a message may be
 * (TRUST-9), and a refused write fails the whole user-doc update it is in (pins, mutes, other drafts), so it is cut
 * to `max` UTF-16 code units, never between the two halves of a surrogate pair.
 */
export function storedDraft(text: string, max: number = MAX_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
