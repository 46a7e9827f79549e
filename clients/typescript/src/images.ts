import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Http } from './http.js';

/** An image as the server reports it (docs/api.md, "Images"): a built-in one (`base`, `browser`) or your own. */
export interface ImageInfo {
  name: string;
  kind: 'builtin' | 'user';
  digest: string;
  sizeBytes?: number | null;
  createdAt?: string | null;
  /** User images: `import` or the reference it was pulled from. */
  source?: string;
  /** User images: the digests of their uncompressed layers (OCI diff_ids), bottom first. */
  layers?: string[];
  /** User images: what a process runs with; `env` is applied to sandboxes made from it. */
  config?: { env: Record<string, string>; workingDir: string; user: string; entrypoint: string[]; cmd: string[] };
  /** The sandboxes made from it. */
  usedBy?: string[];
  [field: string]: unknown;
}

/** A Dockerfile build as the server reports it (docs/api.md, "POST /v1/images"). */
export interface ImageBuild {
  id: string;
  name: string;
  state: 'running' | 'succeeded' | 'failed';
  digest?: string;
  error?: string;
  steps: { number: number; line: number; instruction: string; status: string; durationMs?: number; exitCode?: number; output?: string[] }[];
  [field: string]: unknown;
}

/** The files of a directory as a ustar archive in memory (pax records for long names); links kept, owners left out. */
async function contextTar(dir: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  const header = (name: string, type: string, mode: number, size: number, mtime: number, link = '') => {
    const long = enc.encode(name).length > 99 || enc.encode(link).length > 99;
    if (long) {
      let body = '';
      for (const [k, v] of [['path', name], ['linkpath', link]] as const) {
        if (!v) continue;
        const rest = ` ${k}=${v}\n`;
        let len = enc.encode(rest).length;
        len += String(len + String(len).length).length;
        body += `${len}${rest}`;
      }
      const data = enc.encode(body);
      parts.push(block('PaxHeader', 'x', 0o644, data.length, mtime, ''), data, new Uint8Array((512 - (data.length % 512)) % 512));
    }
    parts.push(block(name, type, mode, size, mtime, link));
  };
  const block = (name: string, type: string, mode: number, size: number, mtime: number, link: string) => {
    const h = new Uint8Array(512);
    const put = (off: number, len: number, s: string) => h.set(enc.encode(s).subarray(0, len), off);
    put(0, 100, name);
    put(100, 8, (mode & 0o7777).toString(8).padStart(7, '0'));
    put(108, 8, '0000000');
    put(116, 8, '0000000');
    put(124, 12, size.toString(8).padStart(11, '0'));
    put(136, 12, Math.max(0, mtime).toString(8).padStart(11, '0'));
    put(156, 1, type);
    put(157, 100, link);
    put(257, 8, 'ustar\u000000');
    h.fill(32, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    put(148, 8, sum.toString(8).padStart(6, '0') + '\u0000 ');
    return h;
  };
  const walk = async (rel: string) => {
    for (const entry of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      const st = await lstat(join(dir, r));
      const mtime = Math.floor(st.mtimeMs / 1000);
      if (st.isSymbolicLink()) header(r, '2', 0o777, 0, mtime, await readlink(join(dir, r)));
      else if (st.isDirectory()) {
        header(`${r}/`, '5', st.mode, 0, mtime);
        await walk(r);
      } else if (st.isFile()) {
        const data = await readFile(join(dir, r));
        header(r, '0', st.mode, data.length, mtime);
        parts.push(data, new Uint8Array((512 - (data.length % 512)) % 512));
      }
    }
  };
  await walk('');
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An image name as the end of a path: `team/tools:1` keeps its slashes, nothing else can leave it. */
function imagePath(name: string): string {
  if (!name || name.startsWith('/') || name.split('/').includes('..')) throw new TypeError(`not an image name: ${JSON.stringify(name)}`);
  return name.split('/').map(encodeURIComponent).join('/');
}

/**
 * Images sandboxes are made from: the built-in ones and your own, imported from an OCI image layout or a
 * `docker save` tarball, or pulled from a registry. A user image is `name[:tag]` (`latest` when left out); a
 * sandbox made from it keeps that image when the tag later names another.
 */
export class Images {
  constructor(private readonly http: Http) {}

  /** The built-in images, then the user images by name and tag. */
  async list(): Promise<ImageInfo[]> {
    return (await this.http.json('GET', '/v1/images')).images;
  }

  async get(name: string): Promise<ImageInfo | undefined> {
    const r = await this.http.call('GET', `/v1/images/${imagePath(name)}`, { ok: [404] });
    return r.status === 404 ? undefined : ((await r.json()) as ImageInfo);
  }

  /**
   * Imports the archive at `file` (an OCI image layout or a `docker save` tarball) as `name`, streamed from disk.
   * InvalidInputError naming `name` (a bad name) or `body` (not an image, an unsafe layer); 413 over the server's limit.
   */
  async importImage(file: string, name: string, timeoutMs = 3_600_000): Promise<ImageInfo> {
    const size = (await stat(file)).size;
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return this.http.json('POST', '/v1/images/import', {
      query: { name }, stream: body, contentLength: size, contentType: 'application/x-tar', retry: 'connect', timeoutMs,
    });
  }

  /**
   * Pulls `reference` (e.g. `docker.io/library/python:3.12`) from its registry, or the server's mirror, as `name`.
   * `credentials` are for a registry that wants them: the server gives them to that registry for this pull only;
   * refused ones answer UnauthorizedError (403, naming the registry).
   */
  async pull(reference: string, name?: string, timeoutMs = 3_600_000,
    credentials?: { username: string; password: string }): Promise<ImageInfo> {
    const json: Record<string, unknown> = { reference };
    if (name !== undefined) json.name = name;
    if (credentials !== undefined) json.credentials = { username: credentials.username, password: credentials.password };
    return this.http.json('POST', '/v1/images/pull', { json, retry: 'connect', timeoutMs });
  }

  /** Writes the image to `file` as a tar of an OCI image layout (with a `docker save` manifest.json); answers its size. */
  async export(name: string, file: string, timeoutMs = 3_600_000): Promise<number> {
    const r = await this.http.call('POST', '/v1/images/export', { json: { name }, retry: 'connect', timeoutMs });
    const part = `${file}.part`;
    try {
      await pipeline(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream), createWriteStream(part));
      await rename(part, file);
    } finally {
      await rm(part, { force: true });
    }
    return (await stat(file)).size;
  }

  /**
   * Builds the Dockerfile in the directory `context` (sent as a tar, read into memory; the server leaves out what its
   * `.dockerignore` names) as `name`, step by step in sandboxes, calling `progress(event, data)` with each `step` (a
   * step's new status) and `output` (`{step, line}`, a line a RUN printed); answers the build once it ended. A failed
   * step does not reject: the build says `failed`, with the RUN's `exitCode` and `output`. InvalidInputError for a
   * Dockerfile the server cannot build (naming the line). `allow`: hosts RUN steps may reach through the egress proxy.
   */
  async build(name: string, context: string, opts: { dockerfile?: string; buildArgs?: Record<string, string>; allow?: string[];
    progress?: (event: 'step' | 'output', data: Record<string, unknown>) => void; timeoutMs?: number } = {}): Promise<ImageBuild> {
    const timeoutMs = opts.timeoutMs ?? 7_200_000;
    const body = await contextTar(context);
    const started = (await this.http.json('POST', '/v1/images', {
      query: { name, dockerfile: opts.dockerfile ?? 'Dockerfile', async: 'true',
        buildArg: Object.entries(opts.buildArgs ?? {}).map(([k, v]) => `${k}=${v}`), allow: opts.allow ?? [] },
      body, contentType: 'application/x-tar', retry: 'connect', timeoutMs,
    })) as ImageBuild;
    const path = `/v1/images/${imagePath(name)}/builds/${encodeURIComponent(started.id)}`;
    const r = await this.http.call('GET', `${path}/logs`, { query: { follow: 'true' }, timeoutMs });
    const decoder = new TextDecoder();
    let buffered = '';
    let event = '';
    read: for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) {
          if (event === 'done') break read;
          if (opts.progress && (event === 'step' || event === 'output')) opts.progress(event, JSON.parse(line.slice(5).trim()));
        }
      }
    }
    return (await this.getBuild(name, started.id))!;
  }

  /** The build `id` of `name`, or undefined when there is none. */
  async getBuild(name: string, id: string): Promise<ImageBuild | undefined> {
    const r = await this.http.call('GET', `/v1/images/${imagePath(name)}/builds/${encodeURIComponent(id)}`, { ok: [404] });
    return r.status === 404 ? undefined : ((await r.json()) as ImageBuild);
  }

  /** Empties the build cache (`steps` and `files` removed); ConflictError while a build runs. */
  async prune(): Promise<{ steps: number; files: number }> {
    return this.http.json('POST', '/v1/images/prune', { json: {} });
  }

  /** Deletes the tag; false when there was none; ConflictError (naming them) while sandboxes or snapshots need it. */
  async delete(name: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/images/${imagePath(name)}`, { ok: [404] })).status !== 404;
  }
}
