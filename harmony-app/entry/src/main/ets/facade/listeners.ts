/* Listener lists of the facade's classes. */

/** Adds `listener` to `listeners`; returns its removal. */
export function subscribe<L>(listeners: L[], listener: L): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}
