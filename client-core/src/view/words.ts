/*
 * The words the view models put into what both apps show (time labels, previews, badges, statuses, the chat's
 * dividers), one object per language so a language switch relabels everything at once (VIEW-1). A class with
 * explicit fields, not an object literal type: the OpenHarmony app passes these through ArkTS code.
 */

export class ViewWords {
  /** List time under a minute. */
  readonly justNow: string;
  /** List time under an hour, today: `{n}` is the minutes. */
  readonly minutesAgo: string;
  readonly yesterday: string;
  /** Sunday first (Date.getDay()). */
  readonly weekdays: string[];
  /** The list's compact weekday. */
  readonly shortWeekdays: string[];
  readonly monthDay: (month: number, day: number) => string;
  readonly yearMonthDay: (year: number, month: number, day: number) => string;
  /** Before a conversation's draft in its list row, so unsent text never reads as a message. */
  readonly draftPrefix: string;
  /** Before one's own last message in a list row. */
  readonly youPrefix: string;
  /** A list row of a conversation without messages. */
  readonly noMessages: string;
  /** Previews of attachments: `[Image] name`, `[File] name`, `[Voice]`. */
  readonly image: string;
  readonly file: string;
  readonly voice: string;
  /** `{n}` is the count: badges for screen readers, the chat's divider and jump button. */
  readonly unreadNone: string;
  readonly unreadOne: string;
  readonly unreadMany: string;
  readonly newMessagesOne: string;
  readonly newMessagesMany: string;
  readonly jumpToLatest: string;
  /** `{a}`, `{b}` are names, `{n}` a count. */
  readonly typingOne: string;
  readonly typingTwo: string;
  readonly typingMany: string;
  /** Labels of an own message's status, in MessageStatus order: sending, sent, delivered, read, failed. */
  readonly statuses: string[];

  constructor(
    justNow: string,
    minutesAgo: string,
    yesterday: string,
    weekdays: string[],
    shortWeekdays: string[],
    monthDay: (month: number, day: number) => string,
    yearMonthDay: (year: number, month: number, day: number) => string,
    previews: string[],
    counts: string[],
    typing: string[],
    statuses: string[],
  ) {
    this.justNow = justNow;
    this.minutesAgo = minutesAgo;
    this.yesterday = yesterday;
    this.weekdays = weekdays;
    this.shortWeekdays = shortWeekdays;
    this.monthDay = monthDay;
    this.yearMonthDay = yearMonthDay;
    this.draftPrefix = previews[0] ?? '';
    this.youPrefix = previews[1] ?? '';
    this.noMessages = previews[2] ?? '';
    this.image = previews[3] ?? '';
    this.file = previews[4] ?? '';
    this.voice = previews[5] ?? '';
    this.unreadNone = counts[0] ?? '';
    this.unreadOne = counts[1] ?? '';
    this.unreadMany = counts[2] ?? '';
    this.newMessagesOne = counts[3] ?? '';
    this.newMessagesMany = counts[4] ?? '';
    this.jumpToLatest = counts[5] ?? '';
    this.typingOne = typing[0] ?? '';
    this.typingTwo = typing[1] ?? '';
    this.typingMany = typing[2] ?? '';
    this.statuses = statuses;
  }
}

const MONTHS_EN: string[] = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export const WORDS_EN = new ViewWords(
  'Just now',
  '{n} min ago',
  'Yesterday',
  ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  (m: number, d: number): string => `${MONTHS_EN[m - 1]} ${d}`,
  (y: number, m: number, d: number): string => `${MONTHS_EN[m - 1]} ${d}, ${y}`,
  ['Draft: ', 'You: ', 'No messages yet', '[Image]', '[File]', '[Voice]'],
  ['no unread messages', '1 unread message', '{n} unread messages', '1 new message', '{n} new messages', 'Jump to latest'],
  ['{a} is typing…', '{a} and {b} are typing…', '{n} people are typing…'],
  ['Sending', 'Sent', 'Delivered', 'Read', 'Failed to send'],
);

export const WORDS_ZH = new ViewWords(
  '刚刚',
  '{n}分钟前',
  '昨天',
  ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
  ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
  (m: number, d: number): string => `${m}月${d}日`,
  (y: number, m: number, d: number): string => `${y}年${m}月${d}日`,
  ['[草稿] ', '我: ', '暂无消息', '[图片]', '[文件]', '[语音]'],
  ['没有未读消息', '1条未读消息', '{n}条未读消息', '1条新消息', '{n}条新消息', '回到最新'],
  ['{a}正在输入…', '{a}和{b}正在输入…', '{n}人正在输入…'],
  ['发送中', '已发送', '已送达', '已读', '发送失败'],
);

/** 'zh', 'zh-Hans', 'zh_CN' ... -> Chinese; anything else English. */
export function wordsFor(language: string): ViewWords {
  return language.toLowerCase().startsWith('zh') ? WORDS_ZH : WORDS_EN;
}

/** `template` with `{n}` replaced by `n`. */
export function counted(template: string, n: number): string {
  return template.replace('{n}', `${n}`);
}
