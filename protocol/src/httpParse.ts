/**
 * Readers of the HTTP API's success bodies (httpTypes.ts): the JSON comes from the network, so each field is checked
 * before it is trusted; a body without the route's shape reads as null and the caller reports `bad_response`.
 */
import { isPresenceVisibility } from './presence.js';
import { asConversationId, asDeviceId, asUserId, isId } from './ids.js';
import { parseAddCode, parseFriendRequestResult, parsePrivacy, parseProfileBody } from './httpSocial.js';
import type {
  BlobStored,
  ConversationList,
  ConversationListing,
  ConversationMember,
  CreateConversationResponse,
  PresenceSetting,
  DeviceList,
  DeviceSession,
  ErrorBody,
  FoundUser,
  HttpRoute,
  MeResponse,
  NoContent,
  ResponseOf,
  SessionIssued,
  UploadState,
} from './httpTypes.js';

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Every element read by `parse`, or null if any element is not readable: a half-read list would hide entries. */
function listOf<T>(v: unknown, parse: (item: unknown) => T | null): T[] | null {
  if (!Array.isArray(v)) return null;
  const out: T[] = [];
  for (const item of v) {
    const parsed = parse(item);
    if (parsed === null) return null;
    out.push(parsed);
  }
  return out;
}

export function parseSessionIssued(j: unknown): SessionIssued | null {
  if (!isObject(j) || !isId(j['userId']) || !isId(j['deviceId']) || typeof j['token'] !== 'string' || !isTime(j['expiresAt'])) return null;
  return { userId: asUserId(j['userId']), deviceId: asDeviceId(j['deviceId']), token: j['token'], expiresAt: j['expiresAt'] };
}

function parseDeviceSession(j: unknown): DeviceSession | null {
  if (!isObject(j) || !isId(j['deviceId']) || typeof j['name'] !== 'string' || typeof j['current'] !== 'boolean') return null;
  const { createdAt, lastSeenAt, expiresAt } = j;
  if (!isTime(createdAt) || !isTime(lastSeenAt) || !isTime(expiresAt)) return null;
  return { deviceId: asDeviceId(j['deviceId']), name: j['name'], createdAt, lastSeenAt, expiresAt, current: j['current'] };
}

export function parseDeviceList(j: unknown): DeviceList | null {
  const devices = isObject(j) ? listOf(j['devices'], parseDeviceSession) : null;
  return devices === null ? null : { devices };
}

export function parseFoundUser(j: unknown): FoundUser | null {
  if (!isObject(j) || !isId(j['userId']) || typeof j['username'] !== 'string' || typeof j['displayName'] !== 'string') return null;
  return { userId: asUserId(j['userId']), username: j['username'], displayName: j['displayName'] };
}

export function parseMe(j: unknown): MeResponse | null {
  const user = parseFoundUser(j);
  if (user === null || !isObject(j) || !isId(j['deviceId']) || !isTime(j['createdAt'])) return null;
  return { ...user, deviceId: asDeviceId(j['deviceId']), createdAt: j['createdAt'] };
}

export function parseCreateConversation(j: unknown): CreateConversationResponse | null {
  if (!isObject(j) || !isId(j['conversationId']) || typeof j['created'] !== 'boolean') return null;
  return { conversationId: asConversationId(j['conversationId']), created: j['created'] };
}

function parseMember(j: unknown): ConversationMember | null {
  const user = parseFoundUser(j);
  if (user === null || !isObject(j) || (j['role'] !== 'owner' && j['role'] !== 'admin' && j['role'] !== 'member')) return null;
  return { ...user, role: j['role'] };
}

function parseListing(j: unknown): ConversationListing | null {
  if (!isObject(j) || !isId(j['conversationId']) || !isId(j['createdBy']) || !isTime(j['createdAt'])) return null;
  const kind = j['kind'];
  if ((kind !== 'direct' && kind !== 'group') || typeof j['title'] !== 'string') return null;
  const members = listOf(j['members'], parseMember);
  if (members === null) return null;
  return {
    conversationId: asConversationId(j['conversationId']),
    kind,
    title: j['title'],
    createdBy: asUserId(j['createdBy']),
    createdAt: j['createdAt'],
    members,
  };
}

export function parseConversationList(j: unknown): ConversationList | null {
  const conversations = isObject(j) ? listOf(j['conversations'], parseListing) : null;
  return conversations === null ? null : { conversations };
}

export function parseBlobStored(j: unknown): BlobStored | null {
  if (!isObject(j) || typeof j['blobId'] !== 'string' || !isTime(j['size']) || typeof j['mime'] !== 'string') return null;
  return { blobId: j['blobId'], size: j['size'], mime: j['mime'] };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** [UPLOAD-1] An upload's state; an `open` one whose offset lies beyond its size is not one. */
export function parseUploadState(j: unknown): UploadState | null {
  if (!isObject(j)) return null;
  if (j['state'] === 'done') {
    const blob = parseBlobStored(j['blob']);
    return blob === null ? null : { state: 'done', blob };
  }
  if (j['state'] !== 'open' || !isId(j['uploadId']) || typeof j['blobId'] !== 'string') return null;
  const { size, offset, maxChunkBytes, expiresAt } = j;
  if (!isCount(size) || !isCount(offset) || offset > size || !isCount(maxChunkBytes) || maxChunkBytes < 1 || !isTime(expiresAt)) return null;
  return { state: 'open', uploadId: j['uploadId'], blobId: j['blobId'], size, offset, maxChunkBytes, expiresAt };
}

/** The routes that answer a JSON body (the others answer 204, and their callers only look at the status). */
export type JsonRoute = { [R in HttpRoute]: ResponseOf<R> extends NoContent ? never : R }[HttpRoute];

/** A reader of one route's success body: the value when the JSON has the route's shape, else null. */
export type ResponseParser<R extends JsonRoute> = (json: unknown) => ResponseOf<R> | null;

export const parseResponse: { readonly [R in JsonRoute]: ResponseParser<R> } = {
  'GET /healthz': (j) => (isObject(j) && j['ok'] === true ? { ok: true } : null),
  'POST /v1/accounts': parseSessionIssued,
  'POST /v1/sessions': parseSessionIssued,
  'GET /v1/sessions': parseDeviceList,
  'POST /v1/sessions/refresh': parseSessionIssued,
  'GET /v1/me': parseMe,
  'GET /v1/users': parseFoundUser,
  'POST /v1/conversations': parseCreateConversation,
  'GET /v1/conversations': parseConversationList,
  'PUT /v1/conversations/:conversationId/blobs/:blobId': parseBlobStored,
  'GET /v1/me/presence': parsePresenceSetting,
  'PUT /v1/me/presence': parsePresenceSetting,
  'POST /v1/conversations/:conversationId/uploads': parseUploadState,
  'GET /v1/conversations/:conversationId/uploads/:uploadId': parseUploadState,
  'PUT /v1/conversations/:conversationId/uploads/:uploadId': parseUploadState,
  'POST /v1/conversations/:conversationId/blobs/:blobId/link': parseBlobStored,
  'POST /v1/contacts/requests': parseFriendRequestResult,
  'PUT /v1/me/privacy': parsePrivacy,
  'PUT /v1/me/profile': parseProfileBody,
  'GET /v1/me/code': parseAddCode,
  'POST /v1/me/code': parseAddCode,
  'GET /v1/codes/:code': parseFoundUser,
};

export function parsePresenceSetting(j: unknown): PresenceSetting | null {
  return isObject(j) && isPresenceVisibility(j['visibility']) ? { visibility: j['visibility'] } : null;
}

/** [HTTP-2] The code and message of a refusal's body, or null when the body is not one. */
export function parseErrorBody(j: unknown): ErrorBody['error'] | null {
  if (!isObject(j) || !isObject(j['error'])) return null;
  const { code, message } = j['error'];
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : null;
}
