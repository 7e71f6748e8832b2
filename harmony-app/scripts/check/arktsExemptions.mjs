/*
 * ArkTS linter findings accepted on purpose, each with its reason and its exact count (HAPP-SDK-2). What is left here
 * is platform code that cannot be ArkTS as designed today:
 *  - installing the WHATWG globals (crypto.getRandomValues, TextEncoder/TextDecoder) that the client-core bundle
 *    (plain JS: lib0, yjs, client-core) calls at run time: that needs globalThis and Object.defineProperty;
 *  - OhosWebSocket, which implements client-core's W3C-shaped seam: client-core constructs sockets with
 *    `new WebSocket(url)` (a constructor type, bound here by a class expression) and its handlers take `unknown`.
 * The way out is a change of seam (client-core taking a socket factory and typed events) or moving the global
 * installers into a JS package beside the bundles; until then these counts may only go down: one more finding of a
 * listed rule in a listed file is reported, and so is an exemption that no longer matches (lower the count).
 */
export const ARKTS_EXEMPTIONS = [
  {
    file: 'entry/src/main/ets/platform/textCodecs.ts',
    why: 'installTextCodecs puts @ohos.util codecs on globalThis under the WHATWG names the bundle calls',
    rules: { 'arkts-no-any-unknown': 3, 'arkts-no-globalthis': 1, 'arkts-limited-stdlib': 1, 'arkts-no-untyped-obj-literals': 1, 'arkts-no-classes-as-obj': 2 },
  },
  {
    file: 'entry/src/main/ets/platform/cryptoRandom.ts',
    why: 'installGlobalCrypto puts crypto.getRandomValues on globalThis for lib0/yjs inside the bundle',
    rules: { 'arkts-no-globalthis': 1, 'arkts-limited-stdlib': 1, 'arkts-no-untyped-obj-literals': 2 },
  },
  {
    file: 'entry/src/main/ets/platform/OhosWebSocket.ts',
    why: "client-core's WebSocketCtor seam: `new (url) => WebSocketLike` with unknown-typed handlers",
    rules: { 'arkts-no-any-unknown': 3, 'arkts-no-structural-typing': 2, 'arkts-no-ctor-signatures-funcs': 1, 'arkts-no-class-literals': 1 },
  },
];

/**
 * Splits ArkTS findings into reported and exempted; adds a finding per exemption whose count no longer matches.
 * @param findings [{kind, file (relative to appDir), line, message}]
 */
export function applyExemptions(findings, relToApp) {
  const counts = new Map();
  const kept = [];
  let exempted = 0;
  for (const f of findings) {
    const rule = f.kind === 'arkts' ? /\((arkts-[a-z-]+)\)/.exec(f.message)?.[1] : undefined;
    const ex = rule && ARKTS_EXEMPTIONS.find((e) => e.file === relToApp(f.file) && e.rules[rule] !== undefined);
    if (!ex) {
      kept.push(f);
      continue;
    }
    const key = `${ex.file}|${rule}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (counts.get(key) > ex.rules[rule]) kept.push({ ...f, message: `${f.message} (over the exempted ${ex.rules[rule]})` });
    else exempted++;
  }
  for (const e of ARKTS_EXEMPTIONS) {
    for (const [rule, n] of Object.entries(e.rules)) {
      const seen = counts.get(`${e.file}|${rule}`) ?? 0;
      if (seen < n) kept.push({ kind: 'arkts', file: 'scripts/check/arktsExemptions.mjs', line: 0, message: `${e.file}: ${rule} exempted ${n} times, found ${seen}: lower the count` });
    }
  }
  return { kept, exempted };
}
