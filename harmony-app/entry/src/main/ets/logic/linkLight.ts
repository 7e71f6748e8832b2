/*
 * The conversation list's connection light. Green pulses whenever a frame arrives (the server's heartbeat replies
 * included, so it beats at least once per heartbeat interval), stays green while frames keep coming, and turns grey
 * as soon as the socket closes, the network is lost, or frames stop for longer than one heartbeat interval plus
 * slack: seconds, not the 30 s a TCP timeout would take.
 */
export enum LinkLight {
  Grey = 0,
  Green = 1,
  Pulse = 2,
  Connecting = 3,
}

export const PULSE_MS = 600;

export function linkLight(connected: boolean, connecting: boolean, lastFrameAt: number, now: number, heartbeatMs: number): LinkLight {
  if (!connected) return connecting ? LinkLight.Connecting : LinkLight.Grey;
  const age = now - lastFrameAt;
  if (age < PULSE_MS) return LinkLight.Pulse;
  // One interval plus half of one of slack: a late heartbeat is not yet a dead link, a missing one is.
  if (age <= heartbeatMs * 1.5) return LinkLight.Green;
  return LinkLight.Grey;
}
