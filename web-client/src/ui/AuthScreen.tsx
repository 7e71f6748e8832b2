import { useRef, useState } from 'preact/hooks';
import { SIGN_UP_RULES, passwordProblem, typedUsernameProblem } from '@concord/client-core';
import { errorText, type AppController } from '../app/controller.js';

export function AuthScreen({ app }: { app: AppController }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const user = useRef<HTMLInputElement>(null);
  const pass = useRef<HTMLInputElement>(null);
  const display = useRef<HTMLInputElement>(null);
  // AUTH-RULES-1: while signing up, a broken username rule is said as it is typed, not after a round trip.
  const [nameProblem, setNameProblem] = useState<string | null>(null);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const username = user.current?.value.trim() ?? '';
    const password = pass.current?.value ?? '';
    if (mode === 'register') {
      // The server checks the same rules (and the common-password list); nothing is sent that it would refuse here.
      const problem = typedUsernameProblem(username) ?? passwordProblem(password, username);
      if (problem !== null) {
        setError(problem);
        return;
      }
    }
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
          <input
            ref={user}
            name="username"
            autoComplete="username"
            required
            autoFocus
            aria-describedby={mode === 'register' ? 'username-rules' : undefined}
            aria-invalid={mode === 'register' && nameProblem !== null}
            onInput={(e) => setNameProblem(e.currentTarget.value === '' ? null : typedUsernameProblem(e.currentTarget.value))}
          />
        </label>
        {mode === 'register' && (
          <p id="username-rules" class="rules">
            {SIGN_UP_RULES.username}
          </p>
        )}
        {mode === 'register' && nameProblem !== null && (
          <p class="error" data-testid="username-problem" role="alert">
            {nameProblem}
          </p>
        )}
        <label>
          Password
          <input
            ref={pass}
            name="password"
            type="password"
            required
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            aria-describedby={mode === 'register' ? 'password-rules' : undefined}
          />
        </label>
        {mode === 'register' && (
          <p id="password-rules" class="rules">
            {SIGN_UP_RULES.password}
          </p>
        )}
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
            setNameProblem(mode === 'login' && user.current !== null && user.current.value !== '' ? typedUsernameProblem(user.current.value) : null);
          }}
        >
          {mode === 'login' ? 'New here? Create an account' : 'Have an account? Log in'}
        </button>
      </form>
    </main>
  );
}
