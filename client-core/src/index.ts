// The wire protocol and doc schema are @concord/protocol's; client-core's API still offers them, as before.
export * from '@concord/protocol';
export { Concord, type ConcordEvents } from './client/concord.js';
export type { ConcordOptions } from './client/options.js';
export { Conversation, type Message, type ConversationEvents, type TimelineItem, type ReadState } from './conversation/conversation.js';
export type { ConversationSummaryView, LastMessage } from './conversation/list.js';
export type { MessageStatus, ReactionSummary } from './conversation/model.js';
export { QUOTE_PREVIEW_LENGTH, type Quote } from './conversation/actions.js';
export { linkify, isSafeLink, type TextSegment } from './conversation/linkify.js';
export {
  MAX_ATTACHMENT_BYTES,
  ATTACHMENT_TYPES,
  blobIdOf,
  blobPath,
  isMimeType,
  parseBlobUrl,
  type AttachmentType,
  type AttachmentInput,
} from './attachments/blobs.js';
export { OPAQUE_TYPE, isInlineMedia, safeMediaType } from './attachments/sniff.js';
export { ATTACHMENT_CHUNK_BYTES, bytesSource, type AttachmentProgress, type AttachmentSource } from './attachments/ingest.js';
export { Sha256, jsSha256, type DigestFactory, type IncrementalDigest } from './attachments/sha256.js';
export type { TransferProgress } from './attachments/transfer.js';
export type { ConnectionState, ConnectionStatus } from './connection/connection.js';
export { backoffDelay, type BackoffOptions } from './connection/backoff.js';
export type { SessionInfo, UserInfo, DeviceInfo } from './http/api.js';
export { Social, type SocialState, type SocialEvents, type RequestTarget } from './social/social.js';
export type { ContactView, RequestView, BlockedView, MemberView } from './social/views.js';
export type { QueuedOp, SocialOp, SocialRefusal } from './social/outbox.js';
export { Emitter, type Listener } from './events/emitter.js';
export * from './errors.js';
export { w3cSocketFactory } from './platform.js';
export type {
  SocketLike,
  SocketFactory,
  SocketOpenEvent,
  SocketMessageEvent,
  SocketCloseEvent,
  SocketErrorEvent,
  W3CWebSocket,
  W3CWebSocketClass,
  W3CMessageData,
  FetchLike,
  FetchInitLike,
  FetchResponseLike,
  RandomBytes,
  NetworkSource,
  Timers,
} from './platform.js';
export { SyncEngine, type SyncEngineEvents } from './sync/engine.js';
export { handleSyncPayload, step1Payload, updatePayload } from './sync/docSync.js';
export { DocHandle } from './doc/docHandle.js';
export { DocStore } from './doc/docStore.js';
export { LOCAL, REMOTE, STORAGE, type Origin } from './sync/origins.js';
export {
  NotificationPlanner,
  DEFAULT_NOTIFICATION_SETTINGS,
  badgeTotal,
  type Attention,
  type NotificationPlan,
  type NotificationSettings,
  type NotificationStep,
  type NotificationWords,
} from './notify/planner.js';
export type { PresenceChange, PresenceView } from './presence/presence.js';
export { presenceLabel, ENGLISH_PRESENCE_WORDS, type PresenceWords } from './presence/label.js';
export * from './view/index.js';
