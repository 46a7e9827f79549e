import { Computer } from './computer.js';
import type { VolumeMount } from './volumes.js';
import { abs, defined, egressBody, type Http, Owned, seg } from './http.js';
import { NotFoundError } from './errors.js';

/**
 * What a sandbox (or a browser session's pages) may reach through Warren's egress proxy: `allow` host
 * patterns, an `upstreamProxy` (its password shown as `***`), and `reach`, other sandboxes whose apps it
 * may open on purpose (`sbx_…:3000` one port, `sbx_…` every port), at `http://sbx_…:3000/` or their address.
 */
export interface EgressPolicy { allow: string[]; upstreamProxy: string | null; reach: string[] }

export interface SandboxInfo {
  id: string;
  state: 'creating' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'failed';
  stateReason: string | null;
  image: string;
  /** The snapshot it was made from (`snap_…`), or null. */
  snapshot: string | null;
  generation: number;
  address: string | null;
  labels: Record<string, string>;
  limits: { memoryMb: number; pids: number; cpus: number };
  egress: EgressPolicy;
  /** Set when the sandbox belongs to a browser session (close the browser instead). */
  browserId: string | null;
  /** The virtual display, when it was created with one (`vncPath` is where the live view reaches its VNC server). */
  desktop?: { width: number; height: number; vncPath: string } | null;
  /** The volumes mounted into it (`warren.volumes`), where and how. */
  volumes: VolumeMount[];
  createdAt: string;
  /** Only on a create's answer: true when it was handed out from the server's warm pool (`WARREN_SANDBOX_POOL`) rather than booted for the call. */
  pooled?: boolean;
  /** What it runs on: `crun` (a container) or `microvm` (a virtual machine); absent from servers before runtimes per sandbox. */
  runtime?: string;
  /** For a virtual machine, how its guest executes: `kvm` or `tcg` (emulated); null for containers. */
  accel?: string | null;
  [field: string]: unknown;
}

export interface SandboxSpec {
  image?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  memoryMb?: number;
  cpus?: number;
  pids?: number;
  allowEgress?: string[];
  upstreamProxy?: string;
  /** Other sandboxes whose apps this one may open: `sbx_…:3000` (one port) or `sbx_…` (every port); sent as `egress.reach`. */
  reach?: string[];
  idleTimeoutSeconds?: number;
  /** What an idle sandbox becomes after `idleTimeoutSeconds`: `stop` (the default setting) or `pause` (memory and sessions kept). */
  idleAction?: 'stop' | 'pause';
  /** A sandbox paused this long (seconds) is stopped; 0 never. */
  pausedTimeoutSeconds?: number;
  /** A virtual display of this size (an image with Xvfb and x11vnc, e.g. `browser`), driven with `sandbox.desktop()`. */
  desktop?: { width: number; height: number };
  /** Start from the files of this snapshot (id or name, from `sandbox.snapshot()`); the image is then the snapshot's. */
  snapshot?: string;
  /** Volumes mounted into it (`warren.volumes`), e.g. `[{ name: 'cache', path: '/root/.cache' }]`. */
  volumes?: VolumeMount[];
  /** `microvm` runs it in a virtual machine with its own kernel, `crun` in a container; the server's `WARREN_RUNTIME` otherwise. */
  runtime?: 'crun' | 'microvm' | string;
}

/** A snapshot of a sandbox's files (docs/api.md, "Snapshots and forks"); containers keep no memory (`memory: false`). */
export interface SnapshotInfo {
  id: string;
  name: string | null;
  /** `api` (kept until deleted) or `fork` (removed once no sandbox uses it). */
  origin: 'api' | 'fork';
  sandboxId: string;
  image: string;
  parentSnapshot: string | null;
  depth: number;
  maxDepth: number;
  flattened: boolean;
  layer: string;
  sizeBytes: number;
  memory: false;
  labels: Record<string, string>;
  createdAt: string;
}

/** A shareable URL of one port of a sandbox; `url` and `hostUrl` carry its secret and come only with the mint. */
export interface PreviewUrl {
  id: string; sandboxId: string; port: number; access: 'public' | 'token'; createdAt: string; createdBy: string; expiresAt: string;
  url?: string; hostUrl?: string;
}
/** A TCP port something listens on in a sandbox; `service` names Warren's own listeners (`warren: true`). */
export interface ListeningPort { port: number; address: string; family: 'ipv4' | 'ipv6'; path: string; warren: boolean; service?: string }
export interface ExecOptions { cwd?: string; env?: Record<string, string>; stdin?: string; timeoutSeconds?: number }
export interface ExecResult {
  exitCode: number; stdout: string; stderr: string; durationMs: number; timedOut: boolean; truncated: boolean;
  /** The sandbox was paused and this command resumed it first. */
  resumed?: boolean;
}
export interface FileEntry { name: string; type: 'file' | 'directory' | 'symlink' | 'other'; size: number; mode: string; modifiedAt: string }
export interface CommandResult {
  id: string;
  state: 'queued' | 'running' | 'finished' | 'lost';
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  [field: string]: unknown;
}

/** Files inside one sandbox; paths are absolute inside it. */
export class Files {
  private readonly base: string;
  constructor(private readonly http: Http, sandboxId: string) {
    this.base = `/v1/sandboxes/${seg(sandboxId)}/files`;
  }
  async write(path: string, content: string | Uint8Array, mode?: number): Promise<void> {
    await this.http.call('PUT', this.base, { body: content, query: { path: abs(path), mode: mode === undefined ? undefined : mode.toString(8).padStart(4, '0') } });
  }
  async read(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.http.call('GET', this.base, { query: { path: abs(path) } })).arrayBuffer());
  }
  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.read(path));
  }
  async list(path: string): Promise<FileEntry[]> {
    return (await this.http.json('GET', this.base + '/list', { query: { path: abs(path) } })).entries;
  }
  async mkdir(path: string): Promise<void> {
    await this.http.call('POST', this.base + '/mkdir', { query: { path: abs(path) } });
  }
  async delete(path: string, recursive = false): Promise<void> {
    await this.http.call('DELETE', this.base, { query: { path: abs(path), recursive: recursive || undefined } });
  }
}

/** A session command (a durable job): read its output from any offset, or follow it as it is written. */
export class Command {
  private readonly path: string;
  constructor(private readonly http: Http, base: string, readonly id: string) {
    this.path = `${base}/commands/${seg(id)}`;
  }
  info(waitSeconds = 0): Promise<CommandResult> {
    return this.http.json('GET', this.path, { query: { wait: waitSeconds || undefined }, timeoutMs: (waitSeconds + 30) * 1000 });
  }
  async wait(timeoutSeconds = 600): Promise<CommandResult> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const r = await this.info(Math.max(0, Math.min(60, Math.round((deadline - Date.now()) / 1000))));
      if (r.state === 'finished' || r.state === 'lost' || Date.now() >= deadline) return r;
    }
  }
  async output(stream: 'stdout' | 'stderr' = 'stdout', offset = 0): Promise<Uint8Array> {
    return new Uint8Array(await (await this.http.call('GET', this.path + '/logs', { query: { stream, offset } })).arrayBuffer());
  }
  /** The stream's bytes as they are written, until the command ends (Server-Sent Events, resumed at the last byte). */
  async *follow(stream: 'stdout' | 'stderr' = 'stdout'): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const res = await this.http.call('GET', this.path + '/logs', { query: { stream, follow: true, offset }, timeoutMs: 3_600_000 });
      const decoder = new TextDecoder();
      let buf = '';
      let event = '';
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('id:') && event === 'output') offset = Number(line.slice(3).trim());
          else if (line.startsWith('data:') && event === 'output') yield new Uint8Array(Buffer.from(line.slice(5).trim(), 'base64'));
          else if (line.startsWith('data:') && event === 'exit') return;
        }
      }
    }
  }
  async stdin(data: string | Uint8Array, eof = false): Promise<void> {
    await this.http.call('POST', this.path + '/stdin', { body: data, query: { eof: eof || undefined }, retry: 'connect' });
  }
  signal(signal = 'INT'): Promise<CommandResult> {
    return this.http.json('POST', this.path + '/signal', { json: { signal }, retry: 'connect' });
  }
}

/** A persistent bash whose state carries over between commands; an owning handle deletes it on close. */
export class Session extends Owned {
  private readonly base: string;
  constructor(http: Http, readonly sandboxId: string, readonly id: string, owns: boolean) {
    super(http, `/v1/sandboxes/${seg(sandboxId)}/sessions/${seg(id)}`, owns);
    this.base = this.path;
  }
  run(command: string, o: { waitSeconds?: number; timeoutSeconds?: number; stdin?: string } = {}): Promise<CommandResult> {
    const wait = o.waitSeconds ?? 60;
    return this.http.json('POST', this.base + '/commands', { json: defined({ command, waitSeconds: wait, timeoutSeconds: o.timeoutSeconds, stdin: o.stdin }),
      retry: 'connect', timeoutMs: (wait + 30) * 1000 });
  }
  async start(command: string, o: { timeoutSeconds?: number; keepStdinOpen?: boolean } = {}): Promise<Command> {
    const j = await this.http.json('POST', this.base + '/commands', { json: defined({ command, async: true, ...o }), retry: 'connect' });
    return new Command(this.http, this.base, j.id);
  }
  command(id: string): Command {
    return new Command(this.http, this.base, id);
  }
  setEnv(vars: Record<string, string | null>): Promise<Record<string, unknown>> {
    return this.http.json('PUT', this.base + '/env', { json: { vars } });
  }
  override async delete(keepProcesses = false): Promise<void> {
    this.closed = true;
    await this.http.call('DELETE', this.base, { query: { keepProcesses: keepProcesses || undefined }, ok: [404] });
  }
}

export class Sessions {
  constructor(private readonly http: Http, private readonly sandboxId: string) {}
  async create(o: { cwd?: string; env?: Record<string, string> } = {}): Promise<Session> {
    const j = await this.http.json('POST', `/v1/sandboxes/${seg(this.sandboxId)}/sessions`, { json: defined(o), retry: 'connect' });
    return new Session(this.http, this.sandboxId, j.id, true);
  }
  async list(): Promise<Record<string, unknown>[]> {
    return (await this.http.json('GET', `/v1/sandboxes/${seg(this.sandboxId)}/sessions`)).sessions;
  }
  attach(id: string): Session {
    return new Session(this.http, this.sandboxId, id, false);
  }
}

/** A handle to one sandbox; an owning one (from `create`) deletes it on close — `await using sbx = …`. */
export class Sandbox extends Owned {
  readonly files: Files;
  readonly sessions: Sessions;
  constructor(http: Http, readonly id: string, public info: SandboxInfo | undefined, owns: boolean) {
    super(http, `/v1/sandboxes/${seg(id)}`, owns);
    this.files = new Files(http, id);
    this.sessions = new Sessions(http, id);
  }
  /** Computer use on this sandbox's desktop (created with `desktop`). */
  desktop(): Computer {
    return new Computer(this.http, `${this.path}/desktop/actions`);
  }
  async refresh(): Promise<SandboxInfo> {
    const i = await this.http.json('GET', this.path);
    this.info = i;
    return i;
  }
  /** Runs a command line (`sh -c`) or an argv array to completion. Not retried once sent. */
  exec(command: string | string[], o: ExecOptions = {}): Promise<ExecResult> {
    const body = { ...(typeof command === 'string' ? { command } : { argv: command }), ...defined({ ...o }) };
    return this.http.json('POST', this.path + '/exec', { json: body, retry: 'connect', timeoutMs: ((o.timeoutSeconds ?? 60) + 30) * 1000 });
  }
  stop(): Promise<SandboxInfo> { return this.lifecycle('stop'); }
  start(): Promise<SandboxInfo> { return this.lifecycle('start'); }
  restart(): Promise<SandboxInfo> { return this.lifecycle('restart'); }
  /** Freezes every process (memory, files, address and sessions kept, no CPU used) until `resume()`, or until the next exec, session command or file call, which resumes it first. */
  pause(): Promise<SandboxInfo> { return this.lifecycle('pause'); }
  resume(): Promise<SandboxInfo> { return this.lifecycle('resume'); }
  /** Saves this sandbox's files (frozen for the copy, then thawed; a stopped one is copied as it was left and stays stopped) as a read-only snapshot. Not retried once sent. */
  snapshot(o: { name?: string; labels?: Record<string, string> } = {}): Promise<SnapshotInfo> {
    return this.http.json('POST', `${this.path}/snapshots`, { json: defined({ name: o.name, labels: o.labels }), retry: 'connect' });
  }
  /** Snapshots this sandbox and makes `count` (1..50) sandboxes from that state, all or none: owning handles. Processes are not copied. */
  async fork(count: number, labels?: Record<string, string>): Promise<Sandbox[]> {
    const j = await this.http.json('POST', `${this.path}/fork`, { json: defined({ count, labels }), retry: 'connect', timeoutMs: 300_000 });
    return j.sandboxes.map((s: SandboxInfo) => new Sandbox(this.http, s.id, s, true));
  }
  private async lifecycle(what: string): Promise<SandboxInfo> {
    const i = await this.http.json('POST', `${this.path}/${what}`);
    this.info = i;
    return i;
  }
  /** The TCP ports something listens on in this sandbox now, sorted, one per port. */
  async ports(): Promise<ListeningPort[]> {
    return (await this.http.json('GET', `${this.path}/ports`)).ports;
  }
  /** A shareable URL of `port`: `public` (anyone holding it) or `token` (with an API token too), for `ttlSeconds` (at most 7 days). Not retried once sent. */
  mintPreviewUrl(port: number, o: { access?: 'public' | 'token'; ttlSeconds?: number } = {}): Promise<PreviewUrl> {
    return this.http.json('POST', `${this.path}/ports/${port}/url`, { json: defined({ access: o.access, ttlSeconds: o.ttlSeconds }), retry: 'connect' });
  }
  /** The preview URLs of `port` that still open (without their secrets). */
  async previewUrls(port: number): Promise<PreviewUrl[]> {
    return (await this.http.json('GET', `${this.path}/ports/${port}/url`)).urls;
  }
  /** Revokes a preview URL; false when `port` has no such URL still open. */
  async revokePreviewUrl(port: number, urlId: string): Promise<boolean> {
    return (await this.http.call('DELETE', `${this.path}/ports/${port}/url/${seg(urlId)}`, { ok: [404] })).status !== 404;
  }
}

export class Sandboxes {
  constructor(private readonly http: Http) {}
  /** Creates a sandbox and answers an owning handle once it runs; retries carry one Idempotency-Key. */
  async create(spec: SandboxSpec = {}): Promise<Sandbox> {
    const limits = defined({ memoryMb: spec.memoryMb, cpus: spec.cpus, pids: spec.pids });
    const body: Record<string, unknown> = defined({ image: spec.image, env: spec.env, labels: spec.labels, idleTimeoutSeconds: spec.idleTimeoutSeconds,
      idleAction: spec.idleAction, pausedTimeoutSeconds: spec.pausedTimeoutSeconds, desktop: spec.desktop, snapshot: spec.snapshot,
      volumes: spec.volumes, runtime: spec.runtime });
    if (Object.keys(limits).length) body.limits = limits;
    const egress = egressBody(spec);
    if (egress) body.egress = egress;
    const j: SandboxInfo = await this.http.json('POST', '/v1/sandboxes', { json: body, retry: 'idempotent' });
    return new Sandbox(this.http, j.id, j, true);
  }
  async get(id: string): Promise<Sandbox | undefined> {
    try {
      const j: SandboxInfo = await this.http.json('GET', `/v1/sandboxes/${seg(id)}`);
      return new Sandbox(this.http, id, j, false);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
  async list(q: { labels?: Record<string, string>; state?: string } = {}): Promise<Sandbox[]> {
    const label = Object.entries(q.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    const j = await this.http.json('GET', '/v1/sandboxes', { query: { label: label.length ? label : undefined, state: q.state } });
    return j.sandboxes.map((s: SandboxInfo) => new Sandbox(this.http, s.id, s, false));
  }
  attach(id: string, owns = false): Sandbox {
    return new Sandbox(this.http, id, undefined, owns);
  }
  async delete(id: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/sandboxes/${seg(id)}`, { ok: [404] })).status !== 404;
  }
}

/** Snapshots of sandboxes' files (`sandbox.snapshot()`). */
export class Snapshots {
  constructor(private readonly http: Http) {}
  async list(labels: Record<string, string> = {}): Promise<SnapshotInfo[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    return (await this.http.json('GET', '/v1/snapshots', { query: { label: label.length ? label : undefined } })).snapshots;
  }
  async get(idOrName: string): Promise<SnapshotInfo | undefined> {
    try {
      return await this.http.json('GET', `/v1/snapshots/${seg(idOrName)}`);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
  /** Deletes a snapshot; false when there is none. A ConflictError while a sandbox from it exists. */
  async delete(idOrName: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/snapshots/${seg(idOrName)}`, { ok: [404] })).status !== 404;
  }
}
