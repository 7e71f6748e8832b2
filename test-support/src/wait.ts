/**
 * Waiting for a condition in a test, with a deadline that fails the test saying what it waited for. Where the code
 * under test emits events, pass them as `sources` and the check runs on each one (no polling); where it has only
 * state (storage, a facade's fields, a page in a browser), the check is polled every `intervalMs`.
 */

/** An event source: calls `notify` whenever the condition may have changed; returns how to stop listening. */
export type Source = (notify: () => void) => () => void;

export interface WaitOptions {
  /** Fail after this long (default 5,000 ms). */
  readonly timeoutMs?: number;
  /** Re-check this often. Default: 15 ms without `sources`, no polling with them. */
  readonly intervalMs?: number;
  /** Re-check whenever one of these fires. */
  readonly sources?: readonly Source[];
  /** Added to the timeout error (e.g. the last value seen). */
  readonly describe?: () => string;
}

/**
 * Resolves once `check()` holds (it may be async; a number as the third argument is the timeout); rejects with `timed out after <ms> ms waiting for: <what>` after
 * the deadline, or with the check's own error if it throws. Checks never overlap.
 */
export function waitFor(what: string, check: () => boolean | Promise<boolean>, given: number | WaitOptions = {}): Promise<void> {
  const options: WaitOptions = typeof given === 'number' ? { timeoutMs: given } : given;
  const { timeoutMs = 5000, sources = [], describe } = options;
  const intervalMs = options.intervalMs ?? (sources.length === 0 ? 15 : null);
  return new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    let settled = false;
    let running = false;
    let again = false;
    let poll: ReturnType<typeof setTimeout> | null = null;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (poll !== null) clearTimeout(poll);
      offs.forEach((off) => off());
      if (err === undefined) resolve();
      else reject(err);
    };
    const deadline = setTimeout(() => {
      const more = describe === undefined ? '' : ` (${describe()})`;
      finish(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${more}`));
    }, timeoutMs);
    const run = async (): Promise<void> => {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          if (await check()) return finish();
        } while (again && !settled);
      } catch (err) {
        return finish(err instanceof Error ? err : new Error(String(err)));
      } finally {
        running = false;
      }
      if (intervalMs !== null && !settled) {
        if (poll !== null) clearTimeout(poll);
        poll = setTimeout(() => void run(), intervalMs);
      }
    };
    for (const source of sources) offs.push(source(() => void run()));
    void run();
  });
}
