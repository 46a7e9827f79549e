/**
 * Warren's TypeScript SDK: sandboxes, shell sessions and browsers for AI agents. No runtime
 * dependencies (Node ≥ 20: fetch, AbortSignal.timeout).
 *
 * ```ts
 * const warren = new Warren({ url: 'http://127.0.0.1:7070', token });
 * await using sbx = await warren.sandboxes.create({ memoryMb: 512 });
 * console.log((await sbx.exec('echo hi')).stdout);
 * ```
 */
import { type ClientOptions, Http } from './http.js';
import { Sandboxes, Snapshots } from './sandboxes.js';
import { Browsers, Profiles } from './browsers.js';
import { Images } from './images.js';
import { Volumes } from './volumes.js';

export * from './errors.js';
export * from './sandboxes.js';
export { Actions, Browser, type BrowserInfo, Browsers, type BrowserSpec, type DownloadInfo, Handoff, type HandoffInfo, type ProfileInfo, Profiles, type UploadedFile } from './browsers.js';
export { Computer, type ComputerAction, type ComputerResults } from './computer.js';
export { type VolumeInfo, type VolumeMount, Volumes } from './volumes.js';
export { type ImageBuild, type ImageInfo, Images } from './images.js';
export type { ClientOptions, Retry } from './http.js';

export interface WarrenOptions extends ClientOptions {
  /** Default: $WARREN_URL, else http://127.0.0.1:7070. */
  url?: string;
  /** Default: $WARREN_TOKEN. */
  token?: string;
}

/** A client of one Warren server; share it. `close()` releases it but deletes nothing. */
export class Warren {
  readonly sandboxes: Sandboxes;
  readonly browsers: Browsers;
  readonly profiles: Profiles;
  readonly snapshots: Snapshots;
  readonly volumes: Volumes;
  readonly images: Images;
  private readonly http: Http;

  constructor(o: WarrenOptions = {}) {
    this.http = new Http(o.url ?? process.env.WARREN_URL ?? 'http://127.0.0.1:7070', o.token ?? process.env.WARREN_TOKEN ?? '', {
      timeoutMs: o.timeoutMs ?? 60_000, maxAttempts: o.maxAttempts ?? 5, backoffBaseMs: o.backoffBaseMs ?? 100, backoffMaxMs: o.backoffMaxMs ?? 5_000,
    });
    this.sandboxes = new Sandboxes(this.http);
    this.browsers = new Browsers(this.http);
    this.profiles = new Profiles(this.http);
    this.snapshots = new Snapshots(this.http);
    this.volumes = new Volumes(this.http);
    this.images = new Images(this.http);
  }

  /** `/readyz`: `{status, checks}`; a server that is not ready answers too. */
  health(): Promise<{ status: string; checks: Record<string, string> }> {
    return this.http.json('GET', '/readyz', { ok: [503] });
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.http.call('GET', '/healthz', { retry: 'connect' })).status === 200;
    } catch {
      return false;
    }
  }

  close(): void {
    this.http.closed = true;
  }
}
