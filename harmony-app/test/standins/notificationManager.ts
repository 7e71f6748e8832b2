/*
 * Stand-ins for `notificationManager` and `wantAgent` (API 9-12): publish() requires content.normal with a
 * title and text (401 otherwise) and a slot added beforehand for non-default slot types (the native service refuses
 * a request for a slot that does not exist with 1600003-like errors; modelled as a rejection); a publish with an
 * existing id replaces that notification; setBadgeNumber() rejects negatives (401). getWantAgent() returns an opaque
 * object that remembers its WantAgentInfo, so tests can "tap" it.
 */
import type notificationManager from '@ohos.notificationManager';
import type wantAgent from '@ohos.app.ability.wantAgent';
import { businessError } from './nativeWebSocket';

export class StandinWantAgent {
  constructor(readonly info: wantAgent.WantAgentInfo) {}
}

export class StandinWantAgentModule {
  getWantAgent(info: wantAgent.WantAgentInfo): Promise<StandinWantAgent> {
    if (info.wants.length === 0) return Promise.reject(businessError(401, 'wants must not be empty'));
    return Promise.resolve(new StandinWantAgent(info));
  }
}

export class StandinNotificationManager {
  readonly shown = new Map<number, notificationManager.NotificationRequest>();
  readonly published: notificationManager.NotificationRequest[] = [];
  readonly slots = new Set<number>();
  badge = 0;
  badgeCalls = 0;

  addSlot(type: number): Promise<void> {
    this.slots.add(type);
    return Promise.resolve();
  }

  publish(req: notificationManager.NotificationRequest): Promise<void> {
    const normal = req.content.normal;
    if (!normal || typeof normal.title !== 'string' || typeof normal.text !== 'string') {
      return Promise.reject(businessError(401, 'content.normal with title and text is required'));
    }
    if (req.notificationSlotType !== undefined && !this.slots.has(req.notificationSlotType)) {
      return Promise.reject(businessError(1600003, 'slot does not exist'));
    }
    this.published.push(req);
    this.shown.set(req.id ?? 0, req);
    return Promise.resolve();
  }

  cancel(id: number): Promise<void> {
    this.shown.delete(id);
    return Promise.resolve();
  }

  cancelAll(): Promise<void> {
    this.shown.clear();
    return Promise.resolve();
  }

  /** The user's answer to the notification prompt; the app goes on either way. */
  enableAnswer = true;
  requestEnableNotification(_context: object): Promise<void> {
    return this.enableAnswer ? Promise.resolve() : Promise.reject(businessError(1600004, 'notification disabled'));
  }

  setBadgeNumber(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) return Promise.reject(businessError(401, 'badge must be >= 0'));
    this.badge = n;
    this.badgeCalls++;
    return Promise.resolve();
  }
}
