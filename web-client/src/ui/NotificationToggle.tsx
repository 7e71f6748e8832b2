import { useState } from 'preact/hooks';
import type { AppController } from '../app/controller.js';

/**
 * WEB-NOTIFY-3: notifications are turned on here, which is when the browser is asked; previews can be hidden. A
 * browser that blocked them is named, with where to change it, instead of a switch that silently does nothing.
 */
export function NotificationToggle({ app }: { app: AppController }) {
  const n = app.notifier;
  const [, redraw] = useState(0);
  const permission = n.permission;
  if (permission === 'unsupported') return null;
  if (permission === 'denied') {
    return (
      <p class="notify-setting" data-testid="notify-blocked">
        Notifications are blocked for this site. Allow them in the browser's site settings.
      </p>
    );
  }
  const on = n.settings.enabled && permission === 'granted';
  return (
    <div class="notify-setting" role="group" aria-label="Notifications">
      <label>
        <input
          type="checkbox"
          checked={on}
          onChange={async (e) => {
            await n.setEnabled((e.currentTarget as HTMLInputElement).checked);
            redraw((x) => x + 1);
          }}
        />{' '}
        Notifications
      </label>
      {on && (
        <label>
          <input
            type="checkbox"
            checked={n.settings.preview}
            onChange={(e) => {
              n.setPreview((e.currentTarget as HTMLInputElement).checked);
              redraw((x) => x + 1);
            }}
          />{' '}
          Show message text
        </label>
      )}
    </div>
  );
}
