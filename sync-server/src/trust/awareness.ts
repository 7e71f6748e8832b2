/**
 * [TRUST-8] Awareness (presence, typing) is relayed, not stored, but it names client ids: a connection may set or
 * remove states only for client ids bound to its user (binding a fresh one on first sight, as an update would), and
 * a state's `user` field, if present, must be the authenticated user, so nobody can type or appear online as someone
 * else. A malformed awareness update throws (the endpoint closes the socket as for any bad frame).
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { CloseCode, ErrorCode } from '@concord/protocol';
import type { AwarenessRule } from '../sync/hub.js';
import type { Refusal } from '../sync/validate.js';
import type { ClientIdRegistry } from './clientIds.js';
import type { TrustLimits } from './limits.js';
import type { TokenBuckets } from '../util/tokenBuckets.js';

export interface AwarenessDeps {
  readonly registry: ClientIdRegistry;
  readonly limits: TrustLimits;
  readonly buckets: TokenBuckets<number>;
}

function refuse(message: string, code: ErrorCode = ErrorCode.InvalidUpdate): Refusal {
  return { code, message };
}

export function createAwarenessRule(deps: AwarenessDeps): AwarenessRule {
  const { registry, limits } = deps;
  return (ctx, update) => {
    const rate = deps.buckets.take(ctx.connection);
    if (rate !== 'ok') {
      const r = refuse('TRUST-10: awareness rate over the limit', ErrorCode.RateLimited);
      return rate === 'abusive' ? { ...r, message: 'TRUST-11: awareness flood', close: CloseCode.RateLimited } : r;
    }
    const entries: { client: number; state: unknown }[] = [];
    try {
      const d = decoding.createDecoder(update);
      const n = decoding.readVarUint(d);
      if (n > limits.maxAwarenessStates) return refuse(`TRUST-8: more than ${limits.maxAwarenessStates} awareness states`);
      for (let i = 0; i < n; i++) {
        const client = decoding.readVarUint(d);
        decoding.readVarUint(d); // clock
        const json = decoding.readVarString(d);
        if (json.length > limits.maxAwarenessStateBytes) return refuse('TRUST-8: awareness state too large');
        entries.push({ client, state: JSON.parse(json) as unknown });
      }
    } catch (err) {
      // Malformed is a protocol error (WIRE-4: bad frame, close 1002), not a refusal: the hub turns a throw into one.
      // It must not reach y-protocols either, which applies the entries before a broken one.
      throw new Error(`malformed awareness update (${(err as Error).message})`);
    }
    const toBind: number[] = [];
    for (const { client, state } of entries) {
      const owner = registry.owner(client);
      if (owner === null) {
        // A client id with structs on this doc but no binding is not fresh: it was somebody's before binding existed.
        if (Y.getState(ctx.ydoc.store, client) > 0) return refuse(`TRUST-8: client id ${client} is not bound to this user`);
        toBind.push(client);
      } else if (owner !== ctx.auth.userId) {
        return refuse(`TRUST-8: client id ${client} belongs to another identity`);
      }
      // A state may leave `user` out (stock y-websocket tooling sets `{}`), but may not name anyone else: the client SDK
      // shows presence and typing by that field.
      if (state !== null) {
        if (typeof state !== 'object' || Array.isArray(state)) return refuse('TRUST-8: an awareness state must be an object');
        const user = (state as Record<string, unknown>)['user'];
        if (user !== undefined && user !== ctx.auth.userId) return refuse('TRUST-8: an awareness state may only name the authenticated user');
      }
    }
    for (const client of toBind) {
      if (registry.bind(client, ctx.auth.userId) !== ctx.auth.userId) return refuse(`TRUST-8: client id ${client} belongs to another identity`);
    }
    return null;
  };
}
