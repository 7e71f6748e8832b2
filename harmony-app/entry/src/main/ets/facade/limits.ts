/* Limits the pages apply, taken from client-core's constants so they cannot drift from what the server accepts. */
import { MAX_MESSAGE_LENGTH } from '@concord/client-core';

/**
 * The composer holds at most what one message may carry (HAPP-COMPOSE-1): client-core's MAX_MESSAGE_LENGTH, the
 * server's limit. A smaller cap cut messages the server would take; a larger one let the user type what cannot go.
 */
export const COMPOSER_MAX_LENGTH: number = MAX_MESSAGE_LENGTH;
