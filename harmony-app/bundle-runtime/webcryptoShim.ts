/*
 * Replaces lib0/webcrypto in the app bundle (scripts/bundle.mjs aliases it). lib0's own module evaluates
 * `crypto.subtle` and `crypto.getRandomValues` while being imported, which throws a ReferenceError where there is no
 * global crypto; this one looks the global up only when called, after installGlobalCrypto() has run.
 */
interface GlobalWithCrypto {
  crypto?: { getRandomValues<T extends ArrayBufferView>(array: T): T; subtle?: object };
}

function globalCrypto(): NonNullable<GlobalWithCrypto['crypto']> {
  const c = (globalThis as GlobalWithCrypto).crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new Error('no crypto.getRandomValues: call installGlobalCrypto() before using client-core');
  }
  return c;
}

export function getRandomValues<T extends ArrayBufferView>(array: T): T {
  return globalCrypto().getRandomValues(array);
}

/**
 * lib0's crypto helpers (AES, ECDSA) use `subtle`; Concord does not. A proxy that fails loudly on use keeps
 * `import { subtle }` working without pretending to implement it.
 */
export const subtle: object = new Proxy(
  {},
  {
    get(_target, prop) {
      const s = (globalThis as GlobalWithCrypto).crypto?.subtle as Record<string | symbol, unknown> | undefined;
      if (s && prop in s) return s[prop];
      throw new Error(`crypto.subtle.${String(prop)} is not available on this platform`);
    },
  },
);
