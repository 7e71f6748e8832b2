import { useEffect } from 'preact/hooks';
import type { AppController } from '../app/controller.js';
import { badgeText } from '@concord/client-core';
import { AuthScreen } from './AuthScreen.js';
import { ChatView } from './ChatView.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { ConversationList } from './ConversationList.js';
import { Devices } from './Devices.js';
import { useController, useRoute } from './hooks.js';
import { NewChat } from './NewChat.js';

export function App({ app }: { app: AppController }) {
  useController(app);
  const route = useRoute();
  const total = app.conversations.reduce((n, c) => n + (c.muted ? 0 : c.unread), 0);

  useEffect(() => {
    const b = badgeText(total);
    document.title = b === '' ? 'Concord' : `(${b}) Concord`;
  }, [total]);

  if (app.phase === 'loading') {
    return (
      <main class="auth" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (app.phase === 'auth') return <AuthScreen app={app} />;

  const activeId = route.name === 'chat' ? route.id : null;
  return (
    <div class={route.name === 'home' ? 'layout show-list' : 'layout show-main'}>
      <aside class="sidebar" aria-label="Chats">
        <header class="top">
          <h1 class="brand">Concord</h1>
          <ConnectionIndicator status={app.shownConnection} />
        </header>
        <p class="whoami">
          Signed in as <strong data-testid="me">{app.me?.displayName ?? ''}</strong>
          {app.me !== null && app.me.username !== app.me.displayName && <span class="username"> @{app.me.username}</span>}
        </p>
        <nav class="actions" aria-label="Account">
          <a class="button" href="#/new">
            New chat
          </a>
          <a class="button" href="#/devices">
            Devices
          </a>
        </nav>
        <ConversationList app={app} activeId={activeId} />
      </aside>
      <main class="main">
        {route.name === 'chat' && <ChatView key={route.id} app={app} id={route.id} />}
        {route.name === 'new' && <NewChat app={app} />}
        {route.name === 'devices' && <Devices app={app} />}
        {route.name === 'home' && <p class="placeholder">Choose a conversation or start a new chat.</p>}
      </main>
    </div>
  );
}
