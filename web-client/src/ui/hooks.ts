import { useEffect, useState } from 'preact/hooks';
import type { PresenceView } from '@concord/client-core';
import type { AppController } from '../app/controller.js';
import { parseRoute, type Route } from './routes.js';

export { parseRoute, type Route };

/** Re-render whenever the controller changes. */
export function useController(app: AppController): void {
  const [, setTick] = useState(0);
  useEffect(() => app.subscribe(() => setTick((n) => n + 1)), [app]);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/** `Date.now()` that re-renders every `everyMs`, so relative times stay fresh. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** [WEB-PRES-1] A user's presence as the server lets this account see it, kept current from client-core's events. */
export function usePresence(app: AppController, userId: string | null): PresenceView {
  const read = (): PresenceView => {
    if (userId === null) return { online: false, lastSeen: null };
    try {
      return app.concord.presenceOf(userId);
    } catch {
      return { online: false, lastSeen: null }; // signed out meanwhile
    }
  };
  const [view, setView] = useState(read);
  useEffect(() => {
    setView(read());
    if (userId === null) return undefined;
    const offs = [
      app.concord.events.on('presence', (p) => {
        if (p.userId === userId) setView({ online: p.online, lastSeen: p.lastSeen });
      }),
      app.concord.events.on('connection', () => setView(read())),
    ];
    return () => offs.forEach((off) => off());
  }, [app, userId]);
  return view;
}
