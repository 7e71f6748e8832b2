import { useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';

/**
 * WEB-DEV-2: change this account's password from the Devices screen (AUTH-14), optionally signing every other device
 * out, which is what someone does after losing a phone.
 */
export function ChangePassword({ app, onDone }: { app: AppController; onDone: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [closeOthers, setCloseOthers] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      const revoked = await app.concord.changePassword(current, next, { closeOtherSessions: closeOthers });
      setCurrent('');
      setNext('');
      setDone(revoked === 0 ? 'Password changed.' : `Password changed. ${revoked} other device${revoked === 1 ? '' : 's'} signed out.`);
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="change-password" onSubmit={(e) => void submit(e)} aria-labelledby="change-password-title">
      <h3 id="change-password-title">Change password</h3>
      <label>
        Current password
        <input type="password" name="current-password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
      </label>
      <label>
        New password
        <input type="password" name="new-password" autocomplete="new-password" minLength={8} value={next} onInput={(e) => setNext(e.currentTarget.value)} required />
      </label>
      <label class="checkbox">
        <input type="checkbox" checked={closeOthers} onChange={(e) => setCloseOthers(e.currentTarget.checked)} />
        Sign out my other devices
      </label>
      <button type="submit" disabled={busy || current === '' || next === ''}>
        Change password
      </button>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {done !== null && <p role="status">{done}</p>}
    </form>
  );
}
