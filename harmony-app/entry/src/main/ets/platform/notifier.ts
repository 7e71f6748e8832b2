/*
 * New-message notifications through `notificationManager` (reference §3): one notification per conversation in the
 * SOCIAL_COMMUNICATION slot (same id, so a new message replaces the chat's previous one), none for muted chats, an
 * app badge equal to the unread total, and a want agent that starts EntryAbility with the conversation id so a tap
 * opens that chat (EntryAbility reads it back with conversationIdFromWant).
 */
import type notificationManager from '@ohos.notificationManager';
import type wantAgent from '@ohos.app.ability.wantAgent';
import type { WantAgent } from '@ohos.app.ability.wantAgent';
import type Want from '@ohos.app.ability.Want';

export interface NotificationModule {
  publish(request: notificationManager.NotificationRequest): Promise<void>;
  cancel(id: number, label?: string): Promise<void>;
  cancelAll(): Promise<void>;
  setBadgeNumber(badgeNumber: number): Promise<void>;
  addSlot(type: notificationManager.SlotType): Promise<void>;
}
export interface WantAgentModule {
  getWantAgent(info: wantAgent.WantAgentInfo): Promise<WantAgent>;
}

/** The constants the notifier needs, passed in because enums live on the native module objects. */
export class NotificationConstants {
  readonly socialSlot: number;
  readonly basicTextContent: number;
  readonly startAbility: number;
  readonly updatePresentFlag: number;
  constructor(
    socialSlot: number,
    basicTextContent: number,
    startAbility: number,
    updatePresentFlag: number,
  ) {
    this.socialSlot = socialSlot;
    this.basicTextContent = basicTextContent;
    this.startAbility = startAbility;
    this.updatePresentFlag = updatePresentFlag;
  }
}
/** SlotType.SOCIAL_COMMUNICATION=1, ContentType.NOTIFICATION_CONTENT_BASIC_TEXT=0, START_ABILITY=1, UPDATE_PRESENT_FLAG=3. */
export const API12_NOTIFICATION_CONSTANTS = new NotificationConstants(1, 0, 1, 3);

export const WANT_CONVERSATION_KEY = 'concordConversationId';

export class IncomingMessage {
  readonly conversationId: string;
  readonly title: string;
  readonly preview: string;
  readonly muted: boolean;
  constructor(
    conversationId: string,
    title: string,
    preview: string,
    muted: boolean,
  ) {
    this.conversationId = conversationId;
    this.title = title;
    this.preview = preview;
    this.muted = muted;
  }
}

export class AbilityTarget {
  readonly bundleName: string;
  readonly abilityName: string;
  constructor(
    bundleName: string,
    abilityName: string,
  ) {
    this.bundleName = bundleName;
    this.abilityName = abilityName;
  }
}

/** A stable 31-bit id per conversation (FNV-1a), so a chat has one notification that each message replaces. */
export function notificationIdFor(conversationId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    h ^= conversationId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}

export function conversationIdFromWant(want: Want | undefined): string | null {
  const v = want?.parameters?.[WANT_CONVERSATION_KEY];
  return typeof v === 'string' && v.length > 0 ? v : null;
}

const MAX_PREVIEW = 120;

/** The want's extras naming the chat to open (a computed key is not ArkTS: the record is filled by index). */
function wantParameters(conversationId: string): Record<string, Object> {
  const p: Record<string, Object> = {};
  p[WANT_CONVERSATION_KEY] = conversationId;
  return p;
}

export class MessageNotifier {
  private slotReady: Promise<void> | null = null;
  private lastBadge = -1;

  private readonly nm: NotificationModule;
  private readonly agents: WantAgentModule;
  private readonly target: AbilityTarget;
  private readonly k: NotificationConstants;
  constructor(
    nm: NotificationModule,
    agents: WantAgentModule,
    target: AbilityTarget,
    k: NotificationConstants = API12_NOTIFICATION_CONSTANTS,
  ) {
    this.nm = nm;
    this.agents = agents;
    this.target = target;
    this.k = k;
  }

  /** Publishes (unless muted) and updates the badge. Resolves true when a notification was shown. */
  async notify(msg: IncomingMessage, unreadTotal: number): Promise<boolean> {
    await this.setBadge(unreadTotal);
    // Muted chats still count in the badge but never make a sound or a banner: nothing is published.
    if (msg.muted) return false;
    await this.ensureSlot();
    const id = notificationIdFor(msg.conversationId);
    const want: Want = {
      bundleName: this.target.bundleName,
      abilityName: this.target.abilityName,
      parameters: wantParameters(msg.conversationId),
    };
    const agent = await this.agents.getWantAgent({
      wants: [want],
      operationType: this.k.startAbility,
      requestCode: id,
      // UPDATE_PRESENT: the chat's agent is reused, only its extras change.
      wantAgentFlags: [this.k.updatePresentFlag],
    });
    const text = msg.preview.length > MAX_PREVIEW ? `${msg.preview.slice(0, MAX_PREVIEW - 1)}…` : msg.preview;
    await this.nm.publish({
      id,
      content: { notificationContentType: this.k.basicTextContent, normal: { title: msg.title, text } },
      notificationSlotType: this.k.socialSlot,
      badgeNumber: unreadTotal,
      wantAgent: agent,
    });
    return true;
  }

  /** The user read a chat (here or on another device): its notification goes and the badge follows the total. */
  async conversationRead(conversationId: string, unreadTotal: number): Promise<void> {
    await this.nm.cancel(notificationIdFor(conversationId));
    await this.setBadge(unreadTotal);
  }

  /** Another account logged in on this device: none of the previous account's banners stay, and the badge clears. */
  async accountChanged(): Promise<void> {
    await this.nm.cancelAll();
    await this.setBadge(0);
  }

  async setBadge(unreadTotal: number): Promise<void> {
    const n = Math.max(0, Math.floor(unreadTotal));
    if (n === this.lastBadge) return;
    await this.nm.setBadgeNumber(n);
    this.lastBadge = n;
  }

  private ensureSlot(): Promise<void> {
    if (this.slotReady === null) {
      this.slotReady = this.nm.addSlot(this.k.socialSlot).catch((err: Error) => {
        this.slotReady = null;
        throw err;
      });
    }
    return this.slotReady;
  }
}
