// Calls to Warren's /v1 API with the dashboard's session cookie and CSRF header.
import { showError, showSignedOut } from './errors.js';

const CSRF = document.querySelector('meta[name="warren-csrf"]').content;

/** An API failure, from the RFC 9457 problem body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || ('HTTP ' + status));
    this.status = status;
    this.title = problem.title || ('HTTP ' + status);
    this.detail = problem.detail || '';
    this.field = problem.field || null;
  }
}

function headers(extra) {
  return Object.assign({ 'X-Warren-CSRF': CSRF, 'Accept': 'application/json' }, extra || {});
}

async function failure(res) {
  let problem = {};
  try { problem = await res.json(); } catch (e) { /* not JSON */ }
  const err = new ApiError(res.status, problem);
  if (res.status === 401) showSignedOut();
  return err;
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * api('POST', '/v1/sandboxes', {...}) → the JSON answer (null for 204); throws ApiError.
 * opts.quiet: do not show the error banner (the caller handles it).
 * opts.idempotencyKey: sent as Idempotency-Key, which makes a POST safe to send again.
 * A request that never got an answer (the browser aborts requests in flight when the host's network
 * interfaces change, as they do whenever a sandbox starts on the same machine) is sent again when
 * that is safe: GETs, and POSTs with an idempotency key.
 */
export async function api(method, path, body, opts = {}) {
  const extra = body !== undefined ? { 'Content-Type': 'application/json' } : {};
  if (opts.idempotencyKey) extra['Idempotency-Key'] = opts.idempotencyKey;
  const init = { method, headers: headers(extra), credentials: 'same-origin' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const tries = method === 'GET' || opts.idempotencyKey ? 3 : 1;
  let res;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(path, init);
      break;
    } catch (e) {
      if (attempt < tries) {
        await pause(300 * attempt);
        continue;
      }
      const err = new ApiError(0, { title: 'Network error', detail: 'no answer from Warren (' + e.message + ')' + (tries === 1 ? '; the page shows the state as it refreshes' : '') });
      if (!opts.quiet) showError(err);
      throw err;
    }
  }
  if (!res.ok) {
    const err = await failure(res);
    if (!opts.quiet && res.status !== 401) showError(err);
    throw err;
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.arrayBuffer();
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body === undefined ? {} : body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

/** Raw bytes of a GET, with the answer's headers. */
export async function bytes(path) {
  const res = await fetch(path, { headers: headers(), credentials: 'same-origin' });
  if (!res.ok) throw await failure(res);
  return { data: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/**
 * Follows a Server-Sent Events stream (fetch, so the CSRF header goes along; EventSource cannot
 * send headers). onEvent(type, data, id) per event. Resolves when the stream ends; abort with signal.
 * A dropped stream is resumed with Last-Event-ID, up to a few times in a row.
 */
export async function followEvents(path, onEvent, signal) {
  let last = null;
  for (let failures = 0; ; ) {
    try {
      await followOnce(path, (type, data, id) => {
        if (id !== null) last = id;
        failures = 0;
        onEvent(type, data, id);
      }, signal, last);
      return;
    } catch (e) {
      if (e.name === 'AbortError' || e instanceof ApiError || ++failures > 5) throw e;
      await pause(300 * failures);
    }
  }
}

async function followOnce(path, onEvent, signal, lastId) {
  const extra = { Accept: 'text/event-stream' };
  if (lastId !== null) extra['Last-Event-ID'] = lastId;
  const res = await fetch(path, { headers: headers(extra), credentials: 'same-origin', signal });
  if (!res.ok) throw await failure(res);
  const reader = res.body.getReader();
  const text = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += text.decode(value, { stream: true });
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let type = 'message', data = [], id = null;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = val;
        else if (field === 'data') data.push(val);
        else if (field === 'id') id = val;
      }
      if (data.length) onEvent(type, data.join('\n'), id);
    }
  }
}

/** ws:// or wss:// URL on this host for a path (or a URL the server gave). */
export function wsUrl(pathOrUrl) {
  if (/^wss?:\/\//.test(pathOrUrl)) return pathOrUrl;
  if (/^https?:\/\//.test(pathOrUrl)) return pathOrUrl.replace(/^http/, 'ws');
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + pathOrUrl;
}

export const enc = encodeURIComponent;
