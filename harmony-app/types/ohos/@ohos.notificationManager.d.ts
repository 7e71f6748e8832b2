/* @ohos.notificationManager (API 9+; subset). Reference §3. */
import type { WantAgent } from './@ohos.app.ability.wantAgent';
import type common from './@ohos.app.ability.common';

declare namespace notificationManager {
  enum SlotType {
    UNKNOWN_TYPE = 0,
    SOCIAL_COMMUNICATION = 1,
    SERVICE_INFORMATION = 2,
    CONTENT_INFORMATION = 3,
    OTHER_TYPES = 0xFFFF,
  }
  /** (11); older SDKs call the content field contentType. */
  enum ContentType {
    NOTIFICATION_CONTENT_BASIC_TEXT = 0,
    NOTIFICATION_CONTENT_LONG_TEXT = 1,
    NOTIFICATION_CONTENT_PICTURE = 2,
    NOTIFICATION_CONTENT_CONVERSATION = 3,
    NOTIFICATION_CONTENT_MULTILINE = 4,
  }
  interface NotificationBasicContent {
    title: string;
    text: string;
    additionalText?: string;
  }
  interface NotificationContent {
    notificationContentType?: ContentType;
    normal?: NotificationBasicContent;
  }
  interface NotificationRequest {
    content: NotificationContent;
    id?: number;
    notificationSlotType?: SlotType;
    groupName?: string;
    badgeNumber?: number;
    wantAgent?: WantAgent;
    label?: string;
  }
  function publish(request: NotificationRequest): Promise<void>;
  function cancel(id: number, label?: string): Promise<void>;
  function cancelAll(): Promise<void>;
  /** (10) */
  function setBadgeNumber(badgeNumber: number): Promise<void>;
  function addSlot(type: SlotType): Promise<void>;
  /** (10) Asks the user to allow notifications; the no-argument form is deprecated from 12. */
  function requestEnableNotification(context: common.UIAbilityContext): Promise<void>;
}
export default notificationManager;
