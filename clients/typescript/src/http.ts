import { randomUUID } from 'node:crypto';
import { errorFor, type Problem, UnavailableError } from './errors.js';

/** When a call may be sent again: safe reads, creates with one Idempotency-Key, or only before anything was sent. */
export type Retry = 'safe' | 'idempotent' | 'connect';

export interface CallOptions {
  json?: unknown;
  body?: Uint8Array | string;
  /** A body streamed as it is read (an upload from disk); sent once, never retried after it began. */
  stream?: ReadableStream<Uint8Array>;
  contentLength?: number;
  contentType?: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  retry?: Retry;
  timeoutMs?: number;
  /** Statuses answered instead of thrown (e.g. 404 for a delete). */
  ok?: number[];
}

export interface ClientOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const RETRIED = new Set([429, 502, 503, 504]);

/** The transport: bearer token, timeouts, retries with exponential backoff and full jitter, problem errors. */
export class Http {
  closed = false;
  readonly base: string;

  constructor(base: string, readonly token: string, readonly opts: Required<ClientOptions>) {
    if (!base) throw new TypeError('url is required, e.g. http://127.0.0.1:7070');
    if (!token) throw new TypeError('token is required (the server\'s is in $WARREN_DATA/token)');
    this.base = base.replace(/\/+$/, '');
  }

  url(path: string, query?: CallOptions['query']): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(one));
    }
    return u.toString();
  }

  async call(method: string, path: string, o: CallOptions = {}): Promise<Response> {
    if (this.closed) throw new Error('the Warren client is closed');
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let body: Uint8Array | string | undefined = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['Content-Type'] = 'application/json';
    } else if (body !== undefined || o.stream !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/octet-stream';
    }
    if (o.contentLength !== undefined) headers['Content-Length'] = String(o.contentLength);
    const retry = o.retry ?? 'safe';
    if (retry === 'idempotent') headers['Idempotency-Key'] = randomUUID();
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        const init: RequestInit & { duplex?: 'half' } = { method, headers, body: o.stream ?? body, signal: AbortSignal.timeout(o.timeoutMs ?? this.opts.timeoutMs) };
        if (o.stream !== undefined) init.duplex = 'half';
        res = await fetch(this.url(path, o.query), init);
      } catch (e) {
        const refused = (e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
        if ((retry !== 'connect' || refused) && attempt < this.opts.maxAttempts) {
          await sleep(this.wait(attempt, null));
          continue;
        }
        throw new UnavailableError(method, path, 0, {}, `${method} ${path} failed: ${(e as Error).message}`);
      }
      if (res.ok || o.ok?.includes(res.status)) return res;
      if (RETRIED.has(res.status) && retry !== 'connect' && attempt < this.opts.maxAttempts) {
        await res.arrayBuffer();
        await sleep(this.wait(attempt, res.headers.get('retry-after')));
        continue;
      }
      const text = await res.text();
      let problem: Problem = {};
      try {
        problem = text ? JSON.parse(text) : {};
      } catch {
        problem = { detail: text };
      }
      const E = errorFor(res.status);
      throw new E(method, path, res.status, problem);
    }
  }

  async json<T = any>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    return (await this.call(method, path, o)).json() as Promise<T>;
  }

  private wait(attempt: number, retryAfter: string | null): number {
    if (retryAfter) {
      const s = Number(retryAfter);
      if (!Number.isNaN(s)) return Math.min(60_000, s * 1000);
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) return Math.min(60_000, Math.max(0, at - Date.now()));
    }
    return Math.random() * Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (attempt - 1));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A path segment with nothing that could leave it. */
export function seg(id: string): string {
  if (!id || id.includes('/')) throw new TypeError(`not an id: ${JSON.stringify(id)}`);
  return encodeURIComponent(id);
}

export function abs(path: string): string {
  if (!path.startsWith('/')) throw new TypeError(`path must be absolute inside the sandbox, got ${JSON.stringify(path)}`);
  return path;
}

/** Drops undefined members (the API refuses unknown ones, not absent ones). */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The `egress` member of a create body, or undefined when every part is left out (the server denies all). */
export function egressBody(spec: { allowEgress?: string[]; upstreamProxy?: string; reach?: string[] }): Record<string, unknown> | undefined {
  if (!spec.allowEgress && !spec.upstreamProxy && !spec.reach?.length) return undefined;
  return defined({ allow: spec.allowEgress ?? [], upstreamProxy: spec.upstreamProxy, reach: spec.reach?.length ? spec.reach : undefined });
}

/** A handle that may own what it names: `close()` then deletes it (already gone is fine); `await using` calls it. */
export abstract class Owned {
  protected closed = false;
  protected constructor(protected readonly http: Http, protected readonly path: string, readonly owns: boolean) {}

  /** Deletes it now, owning or not; already gone is fine. */
  async delete(): Promise<void> {
    this.closed = true;
    await this.http.call('DELETE', this.path, { ok: [404] });
  }

  async close(): Promise<void> {
    if (this.owns && !this.closed) await this.delete();
    this.closed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
