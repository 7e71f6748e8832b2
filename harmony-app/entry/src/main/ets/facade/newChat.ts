/*
 * Starting a direct chat by username (the new-chat page): found on the server, refused with a reason the page
 * words (HAPP-NAMES-1 learns the other member's name on the way). ArkTS-clean.
 */
import { HttpError } from '@concord/client-core';
import type { Concord, UserInfo } from '@concord/client-core';
import type { MemberDirectory } from './memberNames';
import { Refusal } from './refusal';

/** Why a new chat could not be started; the new-chat page shows one string per value. */
export enum NewChatFailure {
  EmptyName = 0,
  UnknownUser = 1,
  Offline = 2,
  Self = 3,
  Other = 4,
}

export class NewChatError extends Refusal<NewChatFailure> {
  constructor(failure: NewChatFailure, message: string) {
    super('NewChatError', failure, message);
  }
}

/** A direct chat that exists on the server (new, or the pair's existing one). */
export class NewChat {
  readonly conversationId: string;
  readonly title: string;
  constructor(conversationId: string, title: string) {
    this.conversationId = conversationId;
    this.title = title;
  }
}

class DirectChatRequest {
  readonly kind: 'direct' = 'direct';
  readonly members: string[];
  constructor(userId: string) {
    this.members = [userId];
  }
}

/** The reason a new-chat request failed, from client-core's errors (status 0 = the server was not reached). */
function newChatError(e: Error): NewChatError {
  if (e instanceof HttpError && e.status === 0) return new NewChatError(NewChatFailure.Offline, e.message);
  return new NewChatError(NewChatFailure.Other, e.message);
}

/**
 * Starts (or finds: the server keeps one direct chat per pair) the direct chat of `me` with the user whose username
 * is exactly `username`. Online only; fails with a NewChatError saying why (no such user, offline, yourself).
 */
export async function startDirectChat(client: Concord, directory: MemberDirectory, me: string, online: boolean, username: string): Promise<NewChat> {
  const wanted = username.trim();
  if (wanted.length === 0) throw new NewChatError(NewChatFailure.EmptyName, 'enter a username');
  if (!online) throw new NewChatError(NewChatFailure.Offline, 'offline: a new chat needs the server');
  let user: UserInfo | null = null;
  try {
    user = await client.findUser(wanted);
  } catch (e) {
    throw newChatError(e as Error);
  }
  if (user === null) throw new NewChatError(NewChatFailure.UnknownUser, `no user named ${wanted}`);
  if (user.userId === me) throw new NewChatError(NewChatFailure.Self, 'that is your own account');
  let id = '';
  try {
    id = await client.createConversation(new DirectChatRequest(user.userId));
  } catch (e) {
    throw newChatError(e as Error);
  }
  const name = user.displayName.length > 0 ? user.displayName : user.username;
  // The lookup named the other member: the list, header and notifications use it at once (HAPP-NAMES-1).
  await directory.learn(user.userId, name).catch(() => undefined);
  return new NewChat(id, name);
}
