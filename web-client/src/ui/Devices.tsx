import type { DeviceInfo } from '@concord/client-core';
import { useEffect, useState } from 'preact/hooks';
import { errorText, type AppController } from '../app/controller.js';
import { fullTimestamp } from '@concord/client-core';
import { ChangePassword } from './ChangePassword.js';
import { navigate } from './hooks.js';
import { PresencePrivacy } from './PresencePrivacy.js';

/** WEB-DEV-1: this account's devices; any of them can be logged out (this one erases its local data). */
export function Devices({ app }: { app: AppController }) {
  const [devices, setDevices] = useState<readonly DeviceInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let alive = true;
    app.concord.devices().then(
      (d) => alive && setDevices(d),
      (err: unknown) => alive && setError(`Could not load devices: ${errorText(err)}`),
    );
    return () => {
      alive = false;
    };
  }, [app, version]);

  const current = app.concord.session?.deviceId;
  const logOut = async (d: DeviceInfo): Promise<void> => {
    setError(null);
    try {
      if (d.deviceId === current) {
        await app.logout();
        return;
      }
      await app.concord.revokeDevice(d.deviceId);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section class="panel" aria-labelledby="devices-title">
      <header class="chat-header">
        <button type="button" class="back" onClick={() => navigate('#/')} aria-label="Back to conversations">
          ←
        </button>
        <h2 id="devices-title">Devices</h2>
      </header>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {devices === null && error === null && <p>Loading…</p>}
      {devices !== null && (
        <ul class="devices">
          {devices.map((d) => {
            const name = typeof d['name'] === 'string' && d['name'] !== '' ? d['name'] : 'Unnamed device';
            const isMe = d.deviceId === current;
            const seen = typeof d['lastSeenAt'] === 'number' ? fullTimestamp(d['lastSeenAt']) : null;
            return (
              <li key={d.deviceId} data-device-id={d.deviceId}>
                <span class="device-name">
                  {name}
                  {isMe && <strong class="this-device"> (this device)</strong>}
                </span>
                {seen !== null && <span class="device-seen">Last seen {seen}</span>}
                <button type="button" class={isMe ? 'danger' : 'small'} onClick={() => void logOut(d)} aria-label={isMe ? 'Log out this device' : `Log out ${name}`}>
                  {isMe ? 'Log out this device' : 'Log out'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <PresencePrivacy app={app} />
      <ChangePassword app={app} onDone={() => setVersion((v) => v + 1)} />
    </section>
  );
}
