import { type Http, seg } from './http.js';

/** A volume as the server reports it: its size, what its filesystem uses, and the sandboxes that mount it. */
export interface VolumeInfo {
  name: string;
  sizeMb: number;
  usedBytes: number | null;
  createdAt: string;
  mountedBy: { sandboxId: string; path: string; readOnly: boolean }[];
  /** Why it cannot be used: its file has gone missing from the host. */
  problem: string | null;
}

/** A volume mounted at a sandbox's create (`SandboxSpec.volumes`): one read-write mount at a time, any number read-only. */
export interface VolumeMount { name: string; path: string; readOnly?: boolean }

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

function volumeName(name: string): string {
  if (!NAME.test(name)) {
    throw new TypeError(`volume names are 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit; got '${name}'`);
  }
  return name;
}

/** Volumes: filesystems that outlive sandboxes; the kernel enforces their size. */
export class Volumes {
  constructor(private readonly http: Http) {}
  /** Makes an empty volume of `sizeMb` MiB (16..1048576); ConflictError when the name is taken. Not retried once sent. */
  async create(name: string, sizeMb: number): Promise<VolumeInfo> {
    return this.http.json('POST', '/v1/volumes', { json: { name: volumeName(name), sizeMb }, retry: 'connect' });
  }
  async list(): Promise<VolumeInfo[]> {
    return (await this.http.json('GET', '/v1/volumes')).volumes;
  }
  async get(name: string): Promise<VolumeInfo | undefined> {
    const r = await this.http.call('GET', `/v1/volumes/${seg(volumeName(name))}`, { ok: [404] });
    return r.status === 404 ? undefined : ((await r.json()) as VolumeInfo);
  }
  /** Deletes the volume and its files; false when there was none; ConflictError (naming them) while sandboxes mount it. */
  async delete(name: string): Promise<boolean> {
    return (await this.http.call('DELETE', `/v1/volumes/${seg(volumeName(name))}`, { ok: [404] })).status !== 404;
  }
}
