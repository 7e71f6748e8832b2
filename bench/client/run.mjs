// Bundles main.ts (client-core and sync-server TypeScript sources) with the shared bench bundler, then runs it.
// Usage: node --expose-gc bench/client/run.mjs [--convs 1000] [--changed 10] [--messages 300]
//        node bench/client/run.mjs send [--sends 1000]      (N sends into one conversation, send.ts)
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLIENT_EXTERNALS, bundle } from '../lib/bundle.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const entry = process.argv[2] === 'send' ? 'send' : 'main';
const out = await bundle(join(here, `${entry}.ts`), `client-${entry}`, { external: CLIENT_EXTERNALS });
await import(pathToFileURL(out).href);
