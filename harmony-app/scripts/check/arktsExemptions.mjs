/*
 * ArkTS linter findings accepted on purpose, each with its reason and its exact count (HAPP-SDK-2). What is left here
 * is platform code that cannot be ArkTS as designed today: OhosWebSocket, which implements client-core's W3C-shaped
 * seam. client-core constructs sockets with `new WebSocket(url)` (a constructor type, bound here by a class
 * expression) and its handlers take `unknown`. The way out is a change of seam in client-core (a socket factory and
 * typed events); until then these counts may only go down: one more finding of a listed rule in a listed file is
 * reported, and so is an exemption that no longer matches (lower the count).
 */
export const ARKTS_EXEMPTIONS = [
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
