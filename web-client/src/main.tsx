import { render } from 'preact';
import { AppController } from './app/controller.js';
import { App } from './ui/App.js';
import './styles.css';

// Same origin as the API and the WebSocket: sync-server serves this app (WEB-SERVE-1).
const app = new AppController(location.origin);
const root = document.getElementById('app');
if (root === null) throw new Error('#app missing from index.html');
render(<App app={app} />, root);
void app.start();

// WEB-OFFLINE-2: the service worker keeps the app shell so a reload without a network still opens the app.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('service worker not registered', err));
}
