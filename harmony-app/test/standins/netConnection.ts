/*
 * Stand-in for `connection.createNetConnection()` (API 8): listeners by event name; register(cb) delivers
 * 'netAvailable' for the current default network right away (as the native NetConnCallback does on registration),
 * a second register() on the same object fails with 2101008, and events subscribed after register() are recorded as
 * a misuse (the reference says subscribe first). Tests drive networks with up()/validate()/down().
 */
import type connection from '@ohos.net.connection';
import type { AsyncCallback, BusinessError } from '@ohos.base';
import { businessError } from './nativeWebSocket';

type Handler = (arg: never) => void;

export class StandinNetConnection implements connection.NetConnection {
  readonly calls: string[] = [];
  registered = false;
  subscribedAfterRegister = false;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(private readonly world: StandinConnectionModule) {}

  on(type: string, callback: Handler): void {
    this.calls.push(`on:${type}`);
    if (this.registered) this.subscribedAfterRegister = true;
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), callback]);
  }

  register(callback: AsyncCallback<void>): void {
    this.calls.push('register');
    if (this.registered) {
      callback(businessError(2101008, 'The callback already exists') as BusinessError, undefined);
      return;
    }
    this.registered = true;
    callback(undefined as unknown as BusinessError, undefined);
    for (const id of this.world.nets) this.fire('netAvailable', { netId: id });
  }

  unregister(callback: AsyncCallback<void>): void {
    this.calls.push('unregister');
    this.registered = false;
    callback(undefined as unknown as BusinessError, undefined);
  }

  fire(type: string, arg: unknown): void {
    if (!this.registered) return;
    for (const h of this.handlers.get(type) ?? []) (h as (a: unknown) => void)(arg);
  }
}

export class StandinConnectionModule {
  readonly connections: StandinNetConnection[] = [];
  readonly nets = new Set<number>();

  createNetConnection(): StandinNetConnection {
    const c = new StandinNetConnection(this);
    this.connections.push(c);
    return c;
  }

  up(netId: number): void {
    this.nets.add(netId);
    for (const c of this.connections) c.fire('netAvailable', { netId });
  }

  validate(netId: number, validated = true): void {
    for (const c of this.connections) {
      c.fire('netCapabilitiesChange', {
        netHandle: { netId },
        netCap: { bearerTypes: [1], networkCap: validated ? [12, 16] : [12] },
      });
    }
  }

  down(netId: number): void {
    this.nets.delete(netId);
    for (const c of this.connections) c.fire('netLost', { netId });
  }
}
