import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
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

  /** Deletes the tag; false when there was none; ConflictError (naming them) while sandboxes or snapshots need it. */
  async delete(name: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/images/${imagePath(name)}`, { ok: [404] })).status !== 404;
  }
}
