/** A tiny router: exact paths and `:param` segments; 404 for an unknown path, 405 (with Allow) for a known one. */
import { ErrorCode } from '@concord/protocol';
import { HttpError } from './errors.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

interface Route<H> {
  readonly method: Method;
  readonly segments: readonly string[];
  readonly handler: H;
}

export interface Match<H> {
  readonly handler: H;
  readonly params: Readonly<Record<string, string>>;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: Method, path: string, handler: H): this {
    this.routes.push({ method, segments: path.split('/').slice(1), handler });
    return this;
  }

  /** Methods any route of this path accepts; empty if no route has this path. */
  allowed(pathname: string): Method[] {
    const parts = pathname.split('/').slice(1);
    return [...new Set(this.routes.filter((r) => matchSegments(r.segments, parts) !== null).map((r) => r.method))];
  }

  /** Throws HttpError 404 or 405. */
  match(method: string, pathname: string): Match<H> {
    const parts = pathname.split('/').slice(1);
    let pathKnown = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params === null) continue;
      pathKnown = true;
      if (route.method === method) return { handler: route.handler, params };
    }
    if (!pathKnown) throw new HttpError(404, ErrorCode.NotFound, `no route ${pathname}`);
    const allow = [...this.allowed(pathname), 'OPTIONS'].join(', ');
    throw new HttpError(405, ErrorCode.BadRequest, `method ${method} not allowed on ${pathname}`, { Allow: allow });
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? '';
    const part = parts[i] ?? '';
    if (p.startsWith(':')) {
      if (part === '') return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return null;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== part) {
      return null;
    }
  }
  return params;
}
