import { Computer } from './computer.js';
import { defined, egressBody, type Http, Owned, seg, sleep } from './http.js';
import { NotFoundError } from './errors.js';
import type { EgressPolicy } from './sandboxes.js';

export interface BrowserInfo {
  id: string;
  key: string | null;
  state: 'starting' | 'ready' | 'crashed' | 'closing' | 'closed';
  stateReason: string | null;
  sandboxId: string | null;
  generation: number;
  createdAt: string;
  egress: EgressPolicy;
  /** CDP WebSocket URL with a token signed for one hour (a credential): Playwright connectOverCDP, Puppeteer browserWSEndpoint. */
  cdpUrl: string | null;
  /** The DevTools HTTP root with the token: Playwright connectOverCDP without headers. */
  cdpDiscoveryUrl: string | null;
  liveViewUrl: string | null;
  liveControlUrl: string | null;
  /** What its idle timeout does: `close` it, or `pause` it (frozen; the next connection resumes it). */
  idleAction: 'close' | 'pause';
  pausedTimeoutSeconds: number;
  /** Ready and frozen now: the next CDP connection (or a connected client's next message), live view or call on it resumes it. */
  paused: boolean;
  [field: string]: unknown;
}

export interface BrowserSpec {
  key?: string;
  profile?: string;
  profileReadOnly?: boolean;
  allowEgress?: string[];
  upstreamProxy?: string;
  /** Sandboxes whose apps the pages may open, e.g. the agent's own at `http://sbx_…:3000/`: `sbx_…:3000` or `sbx_…`; sent as `egress.reach`. */
  reach?: string[];
  width?: number;
  height?: number;
  headless?: boolean;
  idleTimeoutSeconds?: number;
  maxLifetimeSeconds?: number;
  /** What `idleTimeoutSeconds` does: `close` (the default setting) or `pause` (frozen, pages and cookies kept; the next connection resumes it). */
  idleAction?: 'close' | 'pause';
  /** A browser paused this long (seconds) is closed; 0 never. */
  pausedTimeoutSeconds?: number;
}

/** Simple actions on the session's first page, for callers that do not speak CDP. */
/** What a file input took: the file's name and size as the page sees them, and its path in the browser's sandbox. */
export interface UploadedFile { selector: string; path: string; name: string; size: number }

/** A file the session's pages downloaded. */
export interface DownloadInfo { name: string; size: number; url: string | null; state: 'in-progress' | 'complete' | 'canceled'; startedAt: string | null }

export class Actions {
  private readonly base: string;
  constructor(private readonly http: Http, browserId: string) {
    this.base = `/v1/browsers/${seg(browserId)}/actions/`;
  }
  private act(action: string, body: Record<string, unknown>, timeoutSeconds = 30, retry: 'safe' | 'connect' = 'safe'): Promise<Response> {
    return this.http.call('POST', this.base + action, { json: { ...defined(body), timeoutSeconds: Math.max(1, Math.ceil(timeoutSeconds)) }, retry,
      timeoutMs: (timeoutSeconds + 30) * 1000 });
  }
  async navigate(url: string, o: { waitUntil?: 'load' | 'domcontentloaded'; timeoutSeconds?: number } = {}): Promise<{ url: string; title: string }> {
    return (await this.act('navigate', { url, waitUntil: o.waitUntil }, o.timeoutSeconds)).json() as Promise<{ url: string; title: string }>;
  }
  async waitFor(selector: string, timeoutSeconds = 30): Promise<boolean> {
    return (await (await this.act('waitFor', { selector }, timeoutSeconds)).json() as { found: boolean }).found;
  }
  async click(selector: string, timeoutSeconds = 30): Promise<void> {
    await this.act('click', { selector }, timeoutSeconds, 'connect');
  }
  async type(text: string, selector?: string, timeoutSeconds = 30): Promise<void> {
    await this.act('type', { text, selector }, timeoutSeconds, 'connect');
  }
  /** Fills a file input with a file in the browser's sandbox (`path`), or with `content` written there as `name` first. */
  async upload(selector: string, file: { path: string } | { name: string; content: Uint8Array }, timeoutSeconds = 30): Promise<UploadedFile> {
    const body = 'path' in file ? { selector, path: file.path } : { selector, name: file.name, content: Buffer.from(file.content).toString('base64') };
    return (await this.act('upload', body, timeoutSeconds)).json() as Promise<UploadedFile>;
  }
  async evaluate<T = unknown>(expression: string, timeoutSeconds = 30): Promise<T> {
    return (await (await this.act('evaluate', { expression }, timeoutSeconds, 'connect')).json() as { value: T }).value;
  }
  async text(timeoutSeconds = 30): Promise<string> {
    return (await (await this.act('content', { format: 'text' }, timeoutSeconds)).json() as { content: string }).content;
  }
  async html(timeoutSeconds = 30): Promise<string> {
    return (await (await this.act('content', { format: 'html' }, timeoutSeconds)).json() as { content: string }).content;
  }
  async screenshot(o: { fullPage?: boolean; timeoutSeconds?: number } = {}): Promise<Uint8Array> {
    return new Uint8Array(await (await this.act('screenshot', { fullPage: o.fullPage }, o.timeoutSeconds)).arrayBuffer());
  }
  async pdf(timeoutSeconds = 30): Promise<Uint8Array> {
    return new Uint8Array(await (await this.act('pdf', {}, timeoutSeconds)).arrayBuffer());
  }
}

export interface HandoffInfo { id: string; state: 'waiting' | 'in-progress' | 'done' | 'cancelled'; reason: string; [field: string]: unknown }

/** A request for a person to take over the browser; `wait` resolves once it is handed back. */
export class Handoff {
  private readonly path: string;
  constructor(private readonly http: Http, readonly browserId: string, public info: HandoffInfo) {
    this.path = `/v1/browsers/${seg(browserId)}/handoffs/${seg(info.id)}`;
  }
  get id(): string { return this.info.id; }
  get state(): HandoffInfo['state'] { return this.info.state; }
  async wait(timeoutSeconds = 600): Promise<HandoffInfo> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while ((this.state === 'waiting' || this.state === 'in-progress') && Date.now() < deadline) {
      const step = Math.max(0, Math.min(60, (deadline - Date.now()) / 1000));
      this.info = await this.http.json('GET', this.path, { query: { waitSeconds: step.toFixed(1) }, timeoutMs: (step + 30) * 1000 });
    }
    return this.info;
  }
  async complete(): Promise<HandoffInfo> {
    const i = await this.http.json('POST', this.path + '/complete', { json: {} });
    this.info = i;
    return i;
  }
  async cancel(reason = 'cancelled by the agent'): Promise<HandoffInfo> {
    const i = await this.http.json('POST', this.path + '/cancel', { json: { reason } });
    this.info = i;
    return i;
  }
}

/** A handle to one browser session; an owning one closes the session (saving its profile) on close. */
export class Browser extends Owned {
  readonly actions: Actions;
  constructor(http: Http, readonly id: string, public info: BrowserInfo | undefined, owns: boolean, readonly reused = false) {
    super(http, `/v1/browsers/${seg(id)}`, owns);
    this.actions = new Actions(http, id);
  }
  /** Computer use on the session's page: the same actions by coordinates as on a desktop. */
  computer(): Computer {
    return new Computer(this.http, `${this.path}/actions`);
  }
  async refresh(): Promise<BrowserInfo> {
    const i = await this.http.json('GET', this.path);
    this.info = i;
    return i;
  }
  /** A freshly signed CDP WebSocket URL (Playwright, Puppeteer, browser-use). */
  async cdpUrl(): Promise<string> {
    const i = await this.refresh();
    if (!i.cdpUrl) throw new Error(`browser session ${this.id} is ${i.state}`);
    return i.cdpUrl;
  }
  /** A loopback DevTools root (`http://127.0.0.1:PORT`) for Puppeteer's `browserURL`; it answers this machine's user that asked. */
  async devtoolsRoot(): Promise<string> {
    return (await this.http.json('POST', this.path + '/devtools-root')).browserUrl;
  }
  /** The files the session's pages downloaded, oldest first. */
  async downloads(): Promise<DownloadInfo[]> {
    return (await this.http.json('GET', this.path + '/downloads')).downloads;
  }
  /** The bytes of a download, by its name in `downloads()`. */
  async download(name: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.http.call('GET', this.path + '/downloads/' + seg(name))).arrayBuffer());
  }
  async keepalive(): Promise<BrowserInfo> {
    const i = await this.http.json('POST', this.path + '/keepalive');
    this.info = i;
    return i;
  }
  /** Freezes the browser's sandbox (pages, cookies, memory kept; no CPU); the next connection or call on it resumes it. */
  async pause(): Promise<BrowserInfo> {
    const i = await this.http.json('POST', this.path + '/pause');
    this.info = i;
    return i;
  }
  async resume(): Promise<BrowserInfo> {
    const i = await this.http.json('POST', this.path + '/resume');
    this.info = i;
    return i;
  }
  async restart(): Promise<BrowserInfo> {
    const i = await this.http.json('POST', this.path + '/restart');
    this.info = i;
    return i;
  }
  async handoff(reason: string): Promise<Handoff> {
    return new Handoff(this.http, this.id, await this.http.json('POST', this.path + '/handoffs', { json: { reason } }));
  }
}

export class Browsers {
  constructor(private readonly http: Http) {}
  /** Starts a browser, or answers the live session holding `key` (`reused` is then true). */
  async create(spec: BrowserSpec = {}): Promise<Browser> {
    const body: Record<string, unknown> = defined({ key: spec.key, profile: spec.profile, profileReadOnly: spec.profileReadOnly, headless: spec.headless,
      idleTimeoutSeconds: spec.idleTimeoutSeconds, maxLifetimeSeconds: spec.maxLifetimeSeconds, idleAction: spec.idleAction,
      pausedTimeoutSeconds: spec.pausedTimeoutSeconds });
    const egress = egressBody(spec);
    if (egress) body.egress = egress;
    if (spec.width || spec.height) body.viewport = defined({ width: spec.width, height: spec.height });
    const res = await this.http.call('POST', '/v1/browsers', { json: body, retry: 'idempotent' });
    const j = (await res.json()) as BrowserInfo;
    return new Browser(this.http, j.id, j, true, res.status === 200);
  }
  async get(id: string): Promise<Browser | undefined> {
    try {
      const j: BrowserInfo = await this.http.json('GET', `/v1/browsers/${seg(id)}`);
      return new Browser(this.http, id, j, false);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
  async list(): Promise<Browser[]> {
    return (await this.http.json('GET', '/v1/browsers')).browsers.map((b: BrowserInfo) => new Browser(this.http, b.id, b, false));
  }
  attach(id: string, owns = false): Browser {
    return new Browser(this.http, id, undefined, owns);
  }
  async delete(id: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/browsers/${seg(id)}`, { ok: [404] })).status !== 404;
  }
  async deleteByKeyPrefix(prefix: string): Promise<number> {
    if (!prefix) throw new TypeError('prefix must not be empty');
    return (await this.http.json('DELETE', '/v1/browsers', { query: { keyPrefix: prefix } })).closed;
  }
}

export interface ProfileInfo { name: string; sizeBytes: number; createdAt: string; updatedAt: string; inUseBy: string | null }

export class Profiles {
  constructor(private readonly http: Http) {}
  async list(): Promise<ProfileInfo[]> {
    return (await this.http.json('GET', '/v1/profiles')).profiles;
  }
  async get(name: string): Promise<ProfileInfo | undefined> {
    const r = await this.http.call('GET', `/v1/profiles/${seg(name)}`, { ok: [404] });
    return r.status === 404 ? undefined : ((await r.json()) as ProfileInfo);
  }
  async export(name: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.http.call('GET', `/v1/profiles/${seg(name)}/export`)).arrayBuffer());
  }
  async delete(name: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/profiles/${seg(name)}`, { ok: [404] })).status !== 404;
  }
}

export { sleep };
