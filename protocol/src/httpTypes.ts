/**
 * The HTTP API's requests and responses (SPEC.md, HTTP-*, BLOB-1): one type per body, and `HttpRoutes`, which names
 * each route's request and response. The server's answers are checked against these types and parsers
 * (sync-server/test/httpContract.test.ts) and client-core's HTTP client reads every answer through the parsers in
 * httpParse.ts, so
 * a change of shape on either side fails a build or a test instead of showing up as an empty screen.
 */
import type { PresenceVisibility } from './presence.js';
import type { ConversationKind } from './conv.js';
import type { ConversationId, DeviceId, UserId } from './ids.js';
import type { AddCode, AddMembersRequest, FriendRequestBody, FriendRequestResult, PrivacyUpdate, ProfileUpdate, SetRoleRequest, TransferOwnerRequest, UpdateGroupRequest } from './httpSocial.js';
import type { PrivacySettings, Profile } from './social.js';

/** [HTTP-2] Every refusal's body. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export interface HealthResponse {
  readonly ok: true;
}

/** `POST /v1/accounts` (HTTP-3). */
export interface RegisterRequest {
  readonly username: string;
  readonly password: string;
  readonly displayName?: string;
  readonly deviceName?: string;
}

/** `POST /v1/sessions` (HTTP-4). */
export interface LoginRequest {
  readonly username: string;
  readonly password: string;
  readonly deviceName?: string;
}

/** The answer of register, login and refresh (HTTP-3, HTTP-4, HTTP-7): a device session and its token. */
export interface SessionIssued {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly token: string;
  readonly expiresAt: number;
}

/** One of the caller's live device sessions (HTTP-5). */
export interface DeviceSession {
  readonly deviceId: DeviceId;
  readonly name: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  /** The device that asked. */
  readonly current: boolean;
}

/** `GET /v1/sessions` (HTTP-5). */
export interface DeviceList {
  readonly devices: readonly DeviceSession[];
}

/** `GET /v1/me`. */
export interface MeResponse {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly deviceId: DeviceId;
  readonly createdAt: number;
}

/** `GET /v1/users?username=` (HTTP-8). */
export interface FoundUser {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
}

/** `POST /v1/conversations` (HTTP-9): `members` are user ids, the caller is added by the server. */
export interface CreateConversationRequest {
  readonly kind: ConversationKind;
  readonly members: readonly string[];
  readonly title?: string;
}

/** 201 when created, 200 with `created: false` for an existing direct chat (HTTP-10). */
export interface CreateConversationResponse {
  readonly conversationId: ConversationId;
  readonly created: boolean;
}

/** [GROUP-1] */
export type MemberRole = 'owner' | 'admin' | 'member';

export interface ConversationMember {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
  readonly role: MemberRole;
}

export interface ConversationListing {
  readonly conversationId: ConversationId;
  readonly kind: ConversationKind;
  readonly title: string;
  readonly createdBy: UserId;
  readonly createdAt: number;
  readonly members: readonly ConversationMember[];
}

/** `GET /v1/conversations`. */
export interface ConversationList {
  readonly conversations: readonly ConversationListing[];
}

/** [BLOB-1] `PUT /v1/conversations/:id/blobs/:blobId`: 201 new, 200 already there. */
export interface BlobStored {
  readonly blobId: string;
  readonly size: number;
  readonly mime: string;
}

/** [PRES-3] `GET` / `PUT /v1/me/presence`. */
export interface PresenceSetting {
  readonly visibility: PresenceVisibility;
}

/** [UPLOAD-1] `POST /v1/conversations/:id/uploads`: a resumable upload of one blob (its id, size and mime type). */
export interface StartUploadRequest {
  readonly blobId: string;
  readonly size: number;
  readonly mime?: string;
}

/**
 * [UPLOAD-1..3] Where a resumable upload stands. `open`: the server holds `offset` bytes durably (every chunk it
 * acknowledged), the next chunk goes at `offset` and is at most `maxChunkBytes`; `done`: the blob is stored (BLOB-1's
 * answer).
 */
export type UploadState =
  | {
      readonly state: 'open';
      readonly uploadId: string;
      readonly blobId: string;
      readonly size: number;
      readonly offset: number;
      readonly maxChunkBytes: number;
      /** The session is forgotten if no chunk arrives before this time (UPLOAD-4). */
      readonly expiresAt: number;
    }
  | { readonly state: 'done'; readonly blob: BlobStored };
/**
 * [ACT-8] `POST /v1/conversations/:conversationId/blobs/:blobId/link`: the conversation `from` holds the blob and the
 * caller is a member of both; the target conversation gets it without its bytes being sent again (forwarding).
 */
export interface LinkBlobRequest {
  readonly from: string;
}

/** No body (204). */
export type NoContent = null;

/**
 * Every JSON route: `request` is the body (null when it has none), `response` the success body. The blob read
 * (`GET`/`HEAD` of a blob path) answers bytes and is not listed.
 */
export interface HttpRoutes {
  'GET /healthz': { readonly request: null; readonly response: HealthResponse };
  'POST /v1/accounts': { readonly request: RegisterRequest; readonly response: SessionIssued };
  'POST /v1/sessions': { readonly request: LoginRequest; readonly response: SessionIssued };
  'GET /v1/sessions': { readonly request: null; readonly response: DeviceList };
  'POST /v1/sessions/refresh': { readonly request: null; readonly response: SessionIssued };
  'DELETE /v1/sessions/:deviceId': { readonly request: null; readonly response: NoContent };
  'GET /v1/me': { readonly request: null; readonly response: MeResponse };
  'GET /v1/users': { readonly request: null; readonly response: FoundUser };
  'POST /v1/conversations': { readonly request: CreateConversationRequest; readonly response: CreateConversationResponse };
  'GET /v1/conversations': { readonly request: null; readonly response: ConversationList };
  'DELETE /v1/conversations/:conversationId/members/:userId': { readonly request: null; readonly response: NoContent };
  'POST /v1/conversations/:conversationId/leave': { readonly request: null; readonly response: NoContent };
  'PUT /v1/conversations/:conversationId/blobs/:blobId': { readonly request: Uint8Array; readonly response: BlobStored };
  'GET /v1/me/presence': { readonly request: null; readonly response: PresenceSetting };
  'PUT /v1/me/presence': { readonly request: PresenceSetting; readonly response: PresenceSetting };
  'POST /v1/conversations/:conversationId/uploads': { readonly request: StartUploadRequest; readonly response: UploadState };
  'GET /v1/conversations/:conversationId/uploads/:uploadId': { readonly request: null; readonly response: UploadState };
  /** `?offset=<n>`, body the chunk's bytes. */
  'PUT /v1/conversations/:conversationId/uploads/:uploadId': { readonly request: Uint8Array; readonly response: UploadState };
  'DELETE /v1/conversations/:conversationId/uploads/:uploadId': { readonly request: null; readonly response: NoContent };
  'POST /v1/conversations/:conversationId/blobs/:blobId/link': { readonly request: LinkBlobRequest; readonly response: BlobStored };
  // The social layer (SPEC GROUP-*, CONTACT-*, PRIVACY-*, PROFILE-*).
  'PUT /v1/conversations/:conversationId': { readonly request: UpdateGroupRequest; readonly response: NoContent };
  'POST /v1/conversations/:conversationId/members': { readonly request: AddMembersRequest; readonly response: NoContent };
  'PUT /v1/conversations/:conversationId/members/:userId/role': { readonly request: SetRoleRequest; readonly response: NoContent };
  'POST /v1/conversations/:conversationId/owner': { readonly request: TransferOwnerRequest; readonly response: NoContent };
  'POST /v1/contacts/requests': { readonly request: FriendRequestBody; readonly response: FriendRequestResult };
  'POST /v1/contacts/requests/:userId/accept': { readonly request: null; readonly response: NoContent };
  'POST /v1/contacts/requests/:userId/decline': { readonly request: null; readonly response: NoContent };
  'DELETE /v1/contacts/requests/:userId': { readonly request: null; readonly response: NoContent };
  'DELETE /v1/contacts/:userId': { readonly request: null; readonly response: NoContent };
  'PUT /v1/blocks/:userId': { readonly request: null; readonly response: NoContent };
  'DELETE /v1/blocks/:userId': { readonly request: null; readonly response: NoContent };
  'PUT /v1/me/privacy': { readonly request: PrivacyUpdate; readonly response: PrivacySettings };
  'PUT /v1/me/profile': { readonly request: ProfileUpdate; readonly response: Profile };
  'GET /v1/me/code': { readonly request: null; readonly response: AddCode };
  'POST /v1/me/code': { readonly request: null; readonly response: AddCode };
  'GET /v1/codes/:code': { readonly request: null; readonly response: FoundUser };
}

export type HttpRoute = keyof HttpRoutes;
export type RequestOf<R extends HttpRoute> = HttpRoutes[R]['request'];
export type ResponseOf<R extends HttpRoute> = HttpRoutes[R]['response'];
