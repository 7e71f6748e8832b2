/** WEB-BADGE-1: the unread badge text: nothing for 0, the count up to 99, then `99+`. */
export const BADGE_MAX = 99;

export function badgeText(unread: number): string | null {
  if (!Number.isFinite(unread) || unread <= 0) return null;
  return unread > BADGE_MAX ? `${BADGE_MAX}+` : String(Math.floor(unread));
}

/** What a screen reader hears for the badge. */
export function badgeLabel(unread: number): string {
  if (unread <= 0) return 'no unread messages';
  return unread === 1 ? '1 unread message' : `${unread} unread messages`;
}
