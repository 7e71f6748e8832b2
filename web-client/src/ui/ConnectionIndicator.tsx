import type { ConnectionStatus } from '@concord/client-core';

const TEXT = { online: 'Online', connecting: 'Connecting…', offline: 'Offline' } as const;

/** WEB-CONN-1: always visible, announced politely when it changes. */
export function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  return (
    <span class={`conn conn-${status.state}`} role="status" aria-live="polite" data-testid="connection" data-state={status.state} title={status.reason ?? undefined}>
      <span class="dot" aria-hidden="true" />
      {TEXT[status.state]}
    </span>
  );
}
