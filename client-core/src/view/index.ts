/*
 * The presentation layer both apps share (SPEC VIEW-1..10): view models and texts, platform-free (no DOM, no
 * React, no OpenHarmony) and ArkTS-clean where the OpenHarmony app calls it.
 */
export { ViewWords, WORDS_EN, WORDS_ZH, wordsFor, counted } from './words.js';
export { startOfDay, daysAgo, sameDay, clockTime, fullTimestamp, chatTimeLabel, listTimeLabel } from './time.js';
export { TIME_GROUP_MS, NO_LABEL_YET, showsTimeLabel, timeLabelFlags, buildTimeline, type TimelineMessage, type TimelineItem } from './timeline.js';
export { BADGE_MAX, badgeText, badgeLabel, formatSize, formatDuration, typingText, statusGlyph, statusLabel, statusRank } from './text.js';
export { previewText, lastMessagePreview, draftPreview } from './preview.js';
export { ConversationRow, conversationRow, conversationPreview, type Keyed } from './listRow.js';
export { DRAFT_SAVE_MS, ComposerDraft, storedDraft, type DraftWriter, type DraftListener } from './draft.js';
export { displayOrder, inDisplayOrder, lowerBound, leavesGap, mergeNewest, prependOlder } from './chatWindow.js';
export { NEAR_BOTTOM_PX, isNearBottom, ScrollFollow, newMessagesText, unreadDividerAt } from './scroll.js';
export {
  FALLBACK_MIME,
  normalizeMime,
  attachmentKindFor,
  attachmentProblem,
  classifyFetchError,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  retryDelay,
  fileNameOfUri,
  imageMimeOf,
  type FetchFailure,
} from './attachment.js';
