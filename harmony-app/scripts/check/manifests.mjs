/*
 * Resources and stage-model manifests: every $r('app.string.x') exists in base and zh_CN (which carry the same
 * keys); every $string:/$media:/$profile:/$color: in module.json5 and app.json5 resolves; pages and srcEntry exist;
 * the permissions the app requests are exactly the ones it uses (HAPP-PRIV-1: a permission nothing uses is a promise
 * the app does not keep; MICROPHONE went with the voice recorder that was never built); and the API level the manifests declare is the vendored SDK's
 * (HAPP-SDK-5).
 */
import fs from 'node:fs';
import path from 'node:path';

/** JSON5 as the manifests use it: comments, trailing commas, double-quoted strings. */
export function readJson5(file) {
  const src = fs.readFileSync(file, 'utf8');
  let out = '';
  let inStr = null;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inStr) {
      out += c;
      if (c === '\\') out += src[++i];
      else if (c === inStr) inStr = null;
    } else if (c === '"' || c === "'") {
      if (c === "'") throw new Error(`${file}: single-quoted strings are not handled by this checker`);
      inStr = c;
      out += '"';
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

export function checkStrings({ resourcesDir, etsFiles, report }) {
  if (!fs.existsSync(resourcesDir)) return report('resources', resourcesDir, 0, 'resources directory missing');
  const keys = (locale) => {
    const p = path.join(resourcesDir, locale, 'element/string.json');
    return fs.existsSync(p) ? new Set(JSON.parse(fs.readFileSync(p, 'utf8')).string.map((s) => s.name)) : null;
  };
  const base = keys('base');
  const zh = keys('zh_CN');
  if (!base || !zh) return report('resources', resourcesDir, 0, 'base and zh_CN string.json are both required');
  for (const k of base) if (!zh.has(k)) report('resources', path.join(resourcesDir, 'zh_CN'), 0, `string "${k}" missing in zh_CN`);
  for (const k of zh) if (!base.has(k)) report('resources', path.join(resourcesDir, 'base'), 0, `string "${k}" missing in base`);
  for (const file of etsFiles) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\$r\(\s*'app\.string\.([A-Za-z0-9_]+)'/g)) {
      if (!base.has(m[1])) report('resources', file, text.slice(0, m.index).split('\n').length, `unknown string resource app.string.${m[1]}`);
    }
  }
}

function resourceExists(resDir, kind, name) {
  if (kind === 'string' || kind === 'color') {
    const p = path.join(resDir, 'base/element', `${kind}.json`);
    return fs.existsSync(p) && JSON.parse(fs.readFileSync(p, 'utf8'))[kind].some((s) => s.name === name);
  }
  if (kind === 'media') return ['png', 'jpg', 'svg', 'webp'].some((e) => fs.existsSync(path.join(resDir, 'base/media', `${name}.${e}`)));
  if (kind === 'profile') return fs.existsSync(path.join(resDir, 'base/profile', `${name}.json`));
  return false;
}

function checkRefs(file, resDir, node, report) {
  if (typeof node === 'string') {
    const m = /^\$(string|media|profile|color):(\w+)$/.exec(node);
    if (m && !resourceExists(resDir, m[1], m[2])) report('manifest', file, 0, `unresolved ${node}`);
  } else if (node && typeof node === 'object') for (const v of Object.values(node)) checkRefs(file, resDir, v, report);
}

export function checkManifests({ appDir, etsRoot, resourcesDir, report }) {
  const moduleFile = path.join(resourcesDir, '..', 'module.json5');
  const appFile = path.join(appDir, 'AppScope/app.json5');
  try {
    const mod = readJson5(moduleFile).module;
    checkRefs(moduleFile, resourcesDir, mod, report);
    const perms = new Map((mod.requestPermissions ?? []).map((p) => [p.name, p]));
    const used = ['ohos.permission.INTERNET', 'ohos.permission.GET_NETWORK_INFO'];
    for (const need of used) {
      if (!perms.has(need)) report('manifest', moduleFile, 0, `permission ${need} not requested`);
    }
    for (const name of perms.keys()) {
      if (!used.includes(name)) report('manifest', moduleFile, 0, `permission ${name} requested but nothing in the app uses it`);
    }
    const pages = JSON.parse(fs.readFileSync(path.join(resourcesDir, 'base/profile/main_pages.json'), 'utf8')).src;
    for (const p of pages) if (!fs.existsSync(path.join(etsRoot, `${p}.ets`))) report('manifest', moduleFile, 0, `page ${p}.ets missing`);
    for (const a of mod.abilities ?? []) {
      if (!fs.existsSync(path.join(path.dirname(moduleFile), a.srcEntry))) report('manifest', moduleFile, 0, `srcEntry ${a.srcEntry} missing`);
    }
    checkRefs(appFile, path.join(appDir, 'AppScope/resources'), readJson5(appFile).app, report);
  } catch (e) {
    report('manifest', moduleFile, 0, `unreadable: ${e.message}`);
  }
}

/**
 * HAPP-SDK-5: the product's compileSdkVersion, compatibleSdkVersion and targetSdkVersion are the vendored SDK's
 * level (the app uses API 12 calls such as the synchronous RDB ones, and is checked against exactly that SDK), and
 * the README says the same level.
 */
export function checkApiLevel({ appDir, level, report }) {
  const profile = path.join(appDir, 'build-profile.json5');
  try {
    const products = readJson5(profile).app.products ?? [];
    if (products.length === 0) report('api-level', profile, 0, 'no product declared');
    for (const p of products) {
      for (const key of ['compileSdkVersion', 'compatibleSdkVersion', 'targetSdkVersion']) {
        if (p[key] !== level) {
          report('api-level', profile, 0, `product ${p.name}: ${key} is ${JSON.stringify(p[key])}, the vendored SDK is API ${level}`);
        }
      }
    }
  } catch (e) {
    report('api-level', profile, 0, `unreadable: ${e.message}`);
  }
  const readme = path.join(appDir, 'README.md');
  if (fs.existsSync(readme)) {
    const text = fs.readFileSync(readme, 'utf8');
    const said = /minimum API level[^\d\n]*(\d+)/i.exec(text);
    if (!said || Number(said[1]) !== level) report('api-level', readme, 0, `README must say "Minimum API level: ${level}"`);
  }
}
