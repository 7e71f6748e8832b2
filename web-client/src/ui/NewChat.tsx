import { useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';
import { navigate } from './hooks.js';

/** WEB-NEW-1: a direct chat with one username, or a group with several (comma or space separated). */
export function NewChat({ app }: { app: AppController }) {
  const [kind, setKind] = useState<'direct' | 'group'>('direct');
  const [names, setNames] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const usernames = names
      .split(/[\s,]+/)
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (usernames.length === 0) {
      setError('Enter a username.');
      return;
    }
    if (kind === 'direct' && usernames.length !== 1) {
      setError('A direct chat is with exactly one person; choose Group for more.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const id = await app.createChat(kind, usernames, kind === 'group' ? title.trim() : undefined);
      navigate(`#/c/${encodeURIComponent(id)}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const offline = app.connection.state !== 'online';
  return (
    <section class="panel" aria-labelledby="new-title">
      <header class="chat-header">
        <button type="button" class="back" onClick={() => navigate('#/')} aria-label="Back to conversations">
          ←
        </button>
        <h2 id="new-title">New chat</h2>
      </header>
      <form class="card" onSubmit={submit}>
        <fieldset>
          <legend>Kind</legend>
          <label class="inline">
            <input type="radio" name="kind" value="direct" checked={kind === 'direct'} onChange={() => setKind('direct')} /> Direct
          </label>
          <label class="inline">
            <input type="radio" name="kind" value="group" checked={kind === 'group'} onChange={() => setKind('group')} /> Group
          </label>
        </fieldset>
        <label>
          {kind === 'direct' ? 'Username' : 'Usernames (separated by commas)'}
          <input name="usernames" value={names} onInput={(e) => setNames(e.currentTarget.value)} autoFocus autoComplete="off" required />
        </label>
        {kind === 'group' && (
          <label>
            Group title (optional)
            <input name="title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={100} />
          </label>
        )}
        {offline && <p class="notice">Creating a chat needs a connection to the server.</p>}
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Start chat
        </button>
      </form>
    </section>
  );
}
