// A few raw API calls for the interop tests (no SDK: these tests check the clients from npm alone).
export const base = process.env.WARREN_URL;
export const token = process.env.WARREN_TOKEN;
if (!base || !token) throw new Error('set WARREN_URL and WARREN_TOKEN (WarrenClientsTest does)');

export async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

/** A fresh browser session, closed after fn (whatever happens). */
export async function withBrowser(fn) {
  const b = await api('POST', '/v1/browsers', {});
  try {
    return await fn(b);
  } finally {
    await api('DELETE', `/v1/browsers/${b.id}`);
  }
}

export const page = (text) => 'data:text/html,' + encodeURIComponent(`<title>${text}</title><h1 id=h>${text}</h1>`);
