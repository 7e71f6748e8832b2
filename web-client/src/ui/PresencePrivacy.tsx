import { PRESENCE_VISIBILITY, type PresenceVisibility } from '@concord/client-core';
import { useEffect, useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';

const LABELS: Record<PresenceVisibility, string> = { everyone: 'Everyone', contacts: 'My contacts', nobody: 'Nobody' };

/** WEB-PRES-2: who may see whether this account is online and when it was last (PRES-3, enforced by the server). */
export function PresencePrivacy({ app }: { app: AppController }) {
  const [value, setValue] = useState<PresenceVisibility | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    app.concord.presenceVisibility().then(
      (v) => alive && setValue(v),
      (err: unknown) => alive && setError(`Could not load the setting: ${errorText(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [app]);
  return (
    <form class="privacy" onSubmit={(e) => e.preventDefault()}>
      <label>
        Who sees when I'm online{' '}
        <select
          value={value ?? ''}
          disabled={value === null}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value as PresenceVisibility;
            setError(null);
            app.concord.setPresenceVisibility(v).then(setValue, (err: unknown) => setError(errorText(err)));
          }}
        >
          {value === null && <option value="">…</option>}
          {PRESENCE_VISIBILITY.map((v) => (
            <option key={v} value={v}>
              {LABELS[v]}
            </option>
          ))}
        </select>
      </label>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
