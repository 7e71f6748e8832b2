/**
 * [WIRE-1] The protocol version carried by HELLO and WELCOME. A server answers a HELLO with another version by an
 * ERROR frame (version_mismatch) and closes with 4426; the client reports it and stops retrying.
 */
export const PROTOCOL_VERSION = 3;
// History: 1 the first; 2 WELCOME carries the server's wall clock (HLC-2); 3 the server sends PRESENCE (PRES-1).
