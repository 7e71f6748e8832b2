/**
 * The two HTTP calls the web client needs that client-core does not offer (yet): who am I (`GET /v1/me`) and the
 * members' names of my conversations (`GET /v1/conversations`). Both are best effort: offline they fail and the
 * cached directory is used.
 */

export interface Me {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
}

export interface MemberName {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
}

export async function fetchMe(baseUrl: string, token: string): Promise<Me> {
  const body = await getJson(baseUrl, '/v1/me', token);
  if (!isObject(body) || typeof body['userId'] !== 'string' || typeof body['username'] !== 'string') throw new Error('bad /v1/me answer');
  return {
    userId: body['userId'],
    username: body['username'],
    displayName: typeof body['displayName'] === 'string' && body['displayName'] !== '' ? body['displayName'] : body['username'],
  };
}

export async function fetchMemberNames(baseUrl: string, token: string): Promise<MemberName[]> {
  const body = await getJson(baseUrl, '/v1/conversations', token);
  const convs = isObject(body) && Array.isArray(body['conversations']) ? body['conversations'] : [];
  const out: MemberName[] = [];
  for (const c of convs) {
    const members = isObject(c) && Array.isArray(c['members']) ? c['members'] : [];
    for (const m of members) {
      if (!isObject(m) || typeof m['userId'] !== 'string' || typeof m['username'] !== 'string') continue;
      const displayName = typeof m['displayName'] === 'string' && m['displayName'] !== '' ? m['displayName'] : m['username'];
      out.push({ userId: m['userId'], username: m['username'], displayName });
    }
  }
  return out;
}

async function getJson(baseUrl: string, path: string, token: string): Promise<unknown> {
  const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
