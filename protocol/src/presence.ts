/** [PRES-3] Who may see whether a user is online and when they were last. */
export const PRESENCE_VISIBILITY = ['everyone', 'contacts', 'nobody'] as const;
export type PresenceVisibility = (typeof PRESENCE_VISIBILITY)[number];

export function isPresenceVisibility(v: unknown): v is PresenceVisibility {
  return typeof v === 'string' && (PRESENCE_VISIBILITY as readonly string[]).includes(v);
}
