import { useRef, useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';

export function AuthScreen({ app }: { app: AppController }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const user = useRef<HTMLInputElement>(null);
  const pass = useRef<HTMLInputElement>(null);
  const display = useRef<HTMLInputElement>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const username = user.current?.value.trim() ?? '';
    const password = pass.current?.value ?? '';
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await app.login(username, password);
      else await app.register(username, password, display.current?.value.trim() ?? '');
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const heading = mode === 'login' ? 'Log in' : 'Create an account';
  return (
    <main class="auth">
      <h1 class="brand">Concord</h1>
      <form class="card" onSubmit={submit} aria-labelledby="auth-heading">
        <h2 id="auth-heading">{heading}</h2>
        {app.notice !== null && (
          <p class="notice" role="status">
            {app.notice}
          </p>
        )}
        <label>
          Username
          <input ref={user} name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input ref={pass} name="password" type="password" required autoComplete={mode === 'login' ? 'current-password' : 'new-password'} />
        </label>
        {mode === 'register' && (
          <label>
            Display name (optional)
            <input ref={display} name="displayName" autoComplete="nickname" />
          </label>
        )}
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {mode === 'login' ? 'Log in' : 'Create account'}
        </button>
        <button
          type="button"
          class="link"
          onClick={() => {
            setMode(mode === 'login' ? 'register' : 'login');
            setError(null);
          }}
        >
          {mode === 'login' ? 'New here? Create an account' : 'Have an account? Log in'}
        </button>
      </form>
    </main>
  );
}
