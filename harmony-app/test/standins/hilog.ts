/*
 * Stand-in for `@ohos.hilog`: debug/info/warn/error/fatal(domain, tag, format, ...args) keep each line (the format
 * with its `%{public}s`/`%{public}d` arguments filled in, `%{private}...` shown as `<private>` as hilog does in a
 * release build) so tests can see what the app logged. It implements the SDK's own logging functions.
 */
import type hilog from '@ohos.hilog';

type HilogLogging = Pick<typeof hilog, 'debug' | 'info' | 'warn' | 'error' | 'fatal'>;
export interface HilogLine {
  level: 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  domain: number;
  tag: string;
  text: string;
}

function fill(format: string, args: readonly unknown[]): string {
  let i = 0;
  return format.replace(/%\{(public|private)\}[sdifo]/g, (_m: string, vis: string) => {
    const v = args[i++];
    return vis === 'public' ? String(v) : '<private>';
  });
}

export class StandinHilog implements HilogLogging {
  readonly lines: HilogLine[] = [];
  private log(level: HilogLine['level'], domain: number, tag: string, format: string, args: readonly unknown[]): void {
    this.lines.push({ level, domain, tag, text: fill(format, args) });
  }
  debug(domain: number, tag: string, format: string, ...args: unknown[]): void {
    this.log('debug', domain, tag, format, args);
  }
  info(domain: number, tag: string, format: string, ...args: unknown[]): void {
    this.log('info', domain, tag, format, args);
  }
  warn(domain: number, tag: string, format: string, ...args: unknown[]): void {
    this.log('warn', domain, tag, format, args);
  }
  error(domain: number, tag: string, format: string, ...args: unknown[]): void {
    this.log('error', domain, tag, format, args);
  }
  fatal(domain: number, tag: string, format: string, ...args: unknown[]): void {
    this.log('fatal', domain, tag, format, args);
  }
}
