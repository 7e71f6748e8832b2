/* AppStorage keys and router parameter classes shared by EntryAbility and the pages. */
export const APP_KEY = 'concordApp';
export const PENDING_CHAT_KEY = 'pendingChat';
export const BOOT_ERROR_KEY = 'bootError';
/**
 * The outcome of asking to allow notifications (EntryAbility, after the UI is loaded): absent until answered,
 * NOTIFICATIONS_ENABLED, or the failure as "code: message" (1600004: the user refused).
 */
export const NOTIFICATIONS_KEY = 'notifications';
export const NOTIFICATIONS_ENABLED = 'enabled';

/** Why the login page is shown: 0 first start / logged out, 1 revoked (kicked), 2 app too old for the server. */
export class LoginParams {
  readonly why: number;
  constructor(why: number) {
    this.why = why;
  }
}

export class ChatParams {
  readonly conversationId: string;
  /** Shown until the conversation list knows the chat (one just started from the new-chat page). */
  readonly title: string;
  constructor(conversationId: string, title: string = '') {
    this.conversationId = conversationId;
    this.title = title;
  }
}
