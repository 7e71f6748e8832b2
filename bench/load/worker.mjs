/**
 * A load-generator worker of Concord's bench: simulates devices the way client-core drives the server (one
 * /v1/sync socket per device, HELLO with a session token, the y-protocols handshake per doc, messages as
 * schema-conformant entries of the conversation doc's `messages` map, ACKs counted as `sent`).
 * Forked by run.mjs (bundled with esbuild so it can import the protocol sources); talks to it over IPC.
 * Every loop is bounded by a count or a deadline.
 */
import { performance } from 'node:perf_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { FrameKind, PROTOCOL_VERSION, decodeFrame, encodeFrame } from '../../protocol/src/index.ts';

const REMOTE = Symbol('remote');
const now = () => performance.timeOrigin + performance.now(); // wall clock with sub-ms resolution, comparable across processes
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (m) => process.send(m);
const errors = [];
const noteError = (e) => {
  if (errors.length < 20) errors.push(String(e?.message ?? e));
};
process.on('uncaughtException', noteError);
process.on('unhandledRejection', noteError);

let measureStart = Infinity;
let measuring = false;
let received = 0;
let receivedLate = 0;
const lat = [];
const ackLat = [];
let disconnects = 0;
let running = false;

function syncMessage(type, data) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}

class Device {
  constructor(spec, url) {
    this.spec = spec;
    this.url = url;
    this.doc = new Y.Doc();
    this.map = this.doc.getMap('messages');
    this.synced = false;
    this.pendingAcks = [];
    this.ws = null;
    this.doc.on('update', (update, origin) => {
      if (origin === REMOTE || !this.synced) return;
      this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: spec.doc, payload: syncMessage(2, update) }));
    });
    if (spec.observe) {
      this.map.observe((event, tr) => {
        if (tr.origin !== REMOTE) return;
        const t = now();
        for (const key of event.keysChanged) {
          const v = this.map.get(key);
          const ts = v && typeof v.body === 'string' ? sentAt(v.body) : NaN;
          if (!v || v.author === spec.userId || !Number.isFinite(ts) || ts < measureStart) continue;
          if (!measuring) {
            receivedLate++;
            continue;
          }
          received++;
          lat.push(t - ts);
        }
      });
    }
  }

  connect() {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${this.url}/v1/sync`, { perMessageDeflate: false });
      this.ws = ws;
      ws.binaryType = 'nodebuffer';
      ws.on('open', () => ws.send(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: this.spec.token, cursor: 0 })));
      ws.on('message', (data) => {
        try {
          this.onFrame(decodeFrame(data), resolve);
        } catch (e) {
          noteError(e);
        }
      });
      ws.on('close', () => {
        if (running) disconnects++;
        resolve(false);
      });
      ws.on('error', noteError);
    });
  }

  onFrame(f, resolve) {
    switch (f.kind) {
      case FrameKind.Welcome:
        this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: this.spec.doc, payload: syncMessage(0, Y.encodeStateVector(this.doc)) }));
        return;
      case FrameKind.Sync: {
        const d = decoding.createDecoder(f.payload);
        const type = decoding.readVarUint(d);
        const data = decoding.readVarUint8Array(d);
        if (type === 0) {
          const diff = Y.encodeStateAsUpdate(this.doc, data);
          this.ws.send(encodeFrame({ kind: FrameKind.Sync, doc: this.spec.doc, payload: syncMessage(1, diff) }));
        } else {
          Y.applyUpdate(this.doc, data, REMOTE);
          if (type === 1 && !this.synced) {
            this.synced = true;
            resolve(true);
          }
        }
        return;
      }
      case FrameKind.Ack: {
        const t = this.pendingAcks.shift();
        if (t !== undefined && measuring && t >= measureStart) ackLat.push(now() - t);
        return;
      }
      case FrameKind.Reject:
      case FrameKind.Error:
        noteError(`${f.kind === FrameKind.Reject ? 'REJECT' : 'ERROR'} ${f.code}: ${f.message}`);
        return;
      default:
        return;
    }
  }

  sendMessage(seq, body) {
    const id = `${this.spec.userId}.${this.spec.index}x${seq}`;
    const ts = now();
    this.pendingAcks.push(ts);
    // One message per transaction, as an app sends it: the update goes out from the doc's update handler. The send
    // time rides at the start of the body: a message carries only its schema's fields (TRUST-15).
    const stamp = `${ts.toFixed(3)}|`;
    this.map.set(id, { id, author: this.spec.userId, hlc: '0000000000000', type: 'text', body: stamp + body.slice(stamp.length) });
    return ts;
  }
}

async function connectAll(devices, concurrency, timeoutMs) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let next = 0;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (next < devices.length && Date.now() < deadline) {
      const d = devices[next++];
      const r = await Promise.race([d.connect(), sleep(Math.max(0, deadline - Date.now())).then(() => false)]);
      if (r) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, lane));
  return { ok, failed: failed + (devices.length - next), connectMs: Date.now() - t0 };
}

async function main() {
  const init = await new Promise((resolve) => process.once('message', resolve));
  const devices = init.devices.map((spec) => new Device(spec, init.url));
  const ready = await connectAll(devices, init.connectConcurrency, init.connectTimeoutMs);
  running = true;
  send({ type: 'ready', ...ready, errors });
  for (let guard = 0; guard < 1000; guard++) {
    const msg = await new Promise((resolve) => process.once('message', resolve));
    if (msg.type === 'start') {
      const senders = devices.filter((d) => d.synced && d.spec.send);
      const body = 'x'.repeat(msg.body);
      measureStart = msg.startAt + msg.warmupMs;
      const measureEnd = measureStart + msg.durationMs;
      measuring = true;
      let total = 0;
      let sent = 0;
      let rr = 0;
      let seq = 0;
      let cpu0 = null;
      let eld = null;
      await sleep(Math.max(0, msg.startAt - Date.now()));
      const t0 = Date.now();
      const maxTotal = Math.ceil((msg.rate * (measureEnd - t0)) / 1000);
      while (senders.length > 0) {
        const t = Date.now();
        if (t >= measureEnd || total >= maxTotal) break;
        if (cpu0 === null && t >= measureStart) {
          cpu0 = process.cpuUsage();
          eld = monitorEventLoopDelay({ resolution: 10 });
          eld.enable();
        }
        const due = Math.min(maxTotal, Math.floor((msg.rate * (t - t0)) / 1000)) - total;
        for (let i = 0; i < due; i++) {
          const ts = senders[rr++ % senders.length].sendMessage(seq++, body);
          total++;
          if (ts >= measureStart) sent++;
        }
        await sleep(2);
      }
      if (cpu0 === null) cpu0 = process.cpuUsage();
      await sleep(msg.graceMs);
      measuring = false;
      eld?.disable();
      send({
        type: 'chatDone',
        sent,
        received,
        lat,
        ackLat,
        cpu: process.cpuUsage(cpu0),
        eldP99Ms: eld ? eld.percentile(99) / 1e6 : null,
        disconnects,
        errors,
      });
    } else if (msg.type === 'report') {
      send({ type: 'report', synced: devices.filter((d) => d.synced).length, disconnects, receivedLate, errors });
    } else if (msg.type === 'close') {
      running = false;
      for (const d of devices) d.ws?.close();
      await sleep(200);
      send({ type: 'closed' });
      process.exit(0);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`worker: ${e.stack}\n`);
  process.exit(1);
});

/** The send time a bench message's body starts with (`<ms>|...`), or NaN. */
function sentAt(body) {
  const bar = body.indexOf('|');
  return bar > 0 ? Number(body.slice(0, bar)) : NaN;
}
