// The TypeScript SDK (built into dist/) against a real Warren: WARREN_URL and WARREN_TOKEN (WarrenClientsTest sets them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, InvalidInputError, NotFoundError, UnauthorizedError, Warren } from '../dist/index.js';
import { readPng } from '../../interop/lib/png.mjs';

const warren = new Warren({ url: process.env.WARREN_URL, token: process.env.WARREN_TOKEN });
const PAGE = 'data:text/html,' + encodeURIComponent('<title>ts</title><h1 id=h>hello</h1><input id=q><button id=go onclick="h.textContent=q.value">go</button>');

test('a sandbox runs commands, holds files and is deleted with its owning handle', async () => {
  const label = randomUUID();
  const sbx = await warren.sandboxes.create({ labels: { test: label }, memoryMb: 256, env: { GREETING: 'hi' }, runtime: 'crun' });
  try {
    assert.match(sbx.id, /^sbx_[0-9a-z]{26}$/);
    assert.equal(sbx.info.state, 'running');
    assert.deepEqual([sbx.info.runtime, sbx.info.accel], ['crun', null]);
    assert.match(sbx.info.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const r = await sbx.exec('echo $GREETING from $(hostname); echo oops >&2; exit 3');
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [3, `hi from ${sbx.id}\n`, 'oops\n']);
    assert.equal((await sbx.exec(['printf', '%s|', 'a b', 'c'])).stdout, 'a b|c|');
    await sbx.files.write('/work/notes.txt', 'hello ✓', 0o600);
    assert.equal(await sbx.files.readText('/work/notes.txt'), 'hello ✓');
    assert.deepEqual((await sbx.files.list('/work')).map((e) => [e.name, e.type, e.size, e.mode]), [['notes.txt', 'file', 9, '0600']]);
    assert.deepEqual((await warren.sandboxes.list({ labels: { test: label } })).map((s) => s.id), [sbx.id]);
    await assert.rejects(sbx.files.read('/no/such/file'), (e) => e instanceof NotFoundError && e.detail.includes('/no/such/file'));
  } finally {
    await sbx[Symbol.asyncDispose]();
  }
  assert.equal(await warren.sandboxes.get(sbx.id), undefined);
  assert.equal(await warren.sandboxes.delete(sbx.id), false);
});

test('a volume keeps files across sandboxes, has one writer and is deleted once free', async () => {
  const name = `ts-${randomUUID().slice(0, 12)}`;
  assert.equal((await warren.volumes.create(name, 32)).sizeMb, 32);
  const writer = await warren.sandboxes.create({ volumes: [{ name, path: '/v' }] });
  try {
    await writer.exec('echo kept > /v/f');
    assert.deepEqual((await warren.volumes.get(name)).mountedBy.map((h) => h.sandboxId), [writer.id]);
    assert.deepEqual((await writer.refresh()).volumes, [{ name, path: '/v', readOnly: false }]);
    await assert.rejects(warren.sandboxes.create({ volumes: [{ name, path: '/v' }] }), (e) => e instanceof ConflictError);
    await assert.rejects(warren.volumes.delete(name), (e) => e instanceof ConflictError);
  } finally {
    await writer[Symbol.asyncDispose]();
  }
  const reader = await warren.sandboxes.create({ volumes: [{ name, path: '/data', readOnly: true }] });
  try {
    assert.equal((await reader.exec('cat /data/f')).stdout, 'kept\n');
  } finally {
    await reader[Symbol.asyncDispose]();
  }
  await assert.rejects(warren.sandboxes.create({ volumes: [{ name, path: '/proc' }] }),
    (e) => e instanceof InvalidInputError && e.field === 'volumes[0].path');
  assert.ok((await warren.volumes.list()).some((v) => v.name === name));
  assert.equal(await warren.volumes.delete(name), true);
  assert.equal(await warren.volumes.get(name), undefined);
});

test('a paused sandbox stands still until its next exec resumes it, which says so', async () => {
  const sbx = await warren.sandboxes.create({ idleAction: 'pause', pausedTimeoutSeconds: 600 });
  try {
    assert.deepEqual([sbx.info.idleAction, sbx.info.pausedTimeoutSeconds], ['pause', 600]);
    await sbx.exec('echo kept > /tmp/n');
    assert.equal((await sbx.pause()).state, 'paused');
    assert.equal((await warren.sandboxes.get(sbx.id)).info.state, 'paused');
    const r = await sbx.exec('cat /tmp/n');
    assert.deepEqual([r.stdout, r.resumed], ['kept\n', true]);
    assert.equal((await warren.sandboxes.get(sbx.id)).info.state, 'running');
    assert.equal((await sbx.exec('true')).resumed, false);
    await sbx.pause();
    assert.equal((await sbx.resume()).state, 'running');
    await sbx.stop();
    await assert.rejects(sbx.pause(), (e) => e instanceof ConflictError && e.detail.includes('start it first'));
  } finally {
    await sbx[Symbol.asyncDispose]();
  }
  await assert.rejects(warren.sandboxes.create({ idleAction: 'sleep' }), (e) => e instanceof InvalidInputError && e.detail.includes('idleAction'));
});

test('a snapshot starts sandboxes and forks go their own way', async () => {
  const name = `ts-${Date.now().toString(36)}`;
  const sbx = await warren.sandboxes.create();
  let snap;
  try {
    await sbx.exec('echo v1 > /tmp/f');
    snap = await sbx.snapshot({ name });
    assert.match(snap.id, /^snap_/);
    assert.deepEqual([snap.name, snap.memory, snap.depth], [name, false, 1]);
    const [a, b] = await sbx.fork(2, { try: 'ts' });
    try {
      assert.equal(a.info.labels.try, 'ts');
      await a.exec('echo a > /tmp/f');
      assert.deepEqual([(await a.exec('cat /tmp/f')).stdout, (await b.exec('cat /tmp/f')).stdout], ['a\n', 'v1\n']);
    } finally {
      await a.close();
      await b.close();
    }
    await assert.rejects(sbx.fork(0), (e) => e instanceof InvalidInputError && e.detail.includes('count'));
  } finally {
    await sbx.close();
  }
  const copy = await warren.sandboxes.create({ snapshot: name });
  try {
    assert.equal((await copy.exec('cat /tmp/f')).stdout, 'v1\n');
    assert.equal(copy.info.snapshot, snap.id);
    await assert.rejects(warren.snapshots.delete(name), (e) => e instanceof ConflictError);
  } finally {
    await copy.close();
  }
  assert.equal((await warren.snapshots.get(name)).id, snap.id);
  assert.ok((await warren.snapshots.list()).some((s) => s.id === snap.id));
  assert.equal(await warren.snapshots.delete(name), true);
  assert.equal(await warren.snapshots.delete(name), false);
  await assert.rejects(warren.sandboxes.create({ snapshot: name }), (e) => e instanceof InvalidInputError && e.detail.includes('snapshot'));
});

test('a session keeps its state and its output streams as it is written', async () => {
  const sbx = await warren.sandboxes.create();
  try {
    const sh = await sbx.sessions.create({ cwd: '/tmp' });
    await sh.run('mkdir -p a && cd a && export X=42');
    const r = await sh.run('pwd; echo $X');
    assert.deepEqual([r.state, r.exitCode, r.stdout], ['finished', 0, '/tmp/a\n42\n']);
    const job = await sh.start('for i in 1 2 3; do echo tick-$i; sleep 0.2; done');
    const chunks = [];
    for await (const c of job.follow()) chunks.push(Buffer.from(c));
    assert.equal(Buffer.concat(chunks).toString(), 'tick-1\ntick-2\ntick-3\n');
    assert.equal(Buffer.from(await job.output('stdout', 7)).toString(), 'tick-2\ntick-3\n');
    assert.equal((await job.wait(30)).exitCode, 0);
    await sh.close();
  } finally {
    await sbx.close();
  }
});

test('a preview URL opens a port of the sandbox until it is revoked', async () => {
  const sbx = await warren.sandboxes.create();
  try {
    await sbx.exec('mkdir -p /tmp/site && echo previewed > /tmp/site/index.html && cd /tmp/site && '
      + '(nohup python3 -m http.server 8000 >/dev/null 2>&1 &) && echo started');
    const minted = await sbx.mintPreviewUrl(8000, { access: 'public', ttlSeconds: 300 });
    assert.deepEqual([minted.port, minted.access, minted.sandboxId], [8000, 'public', sbx.id]);
    let res = await fetch(minted.url);
    for (const deadline = Date.now() + 30_000; res.status !== 200 && Date.now() < deadline; res = await fetch(minted.url)) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(res.status, 200);
    assert.match(await res.text(), /previewed/);
    assert.deepEqual((await sbx.ports()).filter((p) => p.port === 8000).map((p) => [p.path, p.warren]),
      [[`/v1/sandboxes/${sbx.id}/ports/8000/`, false]]);
    assert.deepEqual((await sbx.previewUrls(8000)).map((u) => u.id), [minted.id]);
    assert.equal(await sbx.revokePreviewUrl(8000, minted.id), true);
    assert.equal((await fetch(minted.url)).status, 404);
    assert.equal(await sbx.revokePreviewUrl(8000, minted.id), false);
    await assert.rejects(sbx.mintPreviewUrl(8000, { access: 'everyone' }), (e) => e instanceof InvalidInputError && e.field === 'access');
  } finally {
    await sbx[Symbol.asyncDispose]();
  }
});

test('a sandbox created with reach to another shows it in its egress, and a bad entry names the field', async () => {
  const app = await warren.sandboxes.create();
  try {
    const caller = await warren.sandboxes.create({ reach: [`${app.id}:8000`] });
    try {
      assert.deepEqual(caller.info.egress, { allow: [], upstreamProxy: null, reach: [`${app.id}:8000`] });
      assert.deepEqual((await warren.sandboxes.get(caller.id)).info.egress.reach, [`${app.id}:8000`]);
      assert.deepEqual(app.info.egress.reach, []);
    } finally {
      await caller[Symbol.asyncDispose]();
    }
    await assert.rejects(warren.sandboxes.create({ reach: ['10.0.0.1:80'] }), (e) => e instanceof InvalidInputError && e.field === 'egress.reach');
  } finally {
    await app[Symbol.asyncDispose]();
  }
});

test('bad input and a bad token are typed errors carrying the problem', async () => {
  await assert.rejects(warren.sandboxes.create({ memoryMb: 1 }),
    (e) => e instanceof InvalidInputError && e.status === 400 && e.field === 'limits.memoryMb' && e.message.includes('limits.memoryMb'));
  await assert.rejects(warren.sandboxes.create({ runtime: 'firecracker' }),
    (e) => e instanceof InvalidInputError && e.status === 400 && e.field === 'runtime' && e.message.includes('microvm'));
  const bad = new Warren({ url: process.env.WARREN_URL, token: 'not-the-token' });
  await assert.rejects(bad.sandboxes.list(), UnauthorizedError);
  assert.equal(await warren.ping(), true);
  assert.equal((await warren.health()).status, 'ready');
});

/** A ustar archive of `files` (name -> Buffer), as `docker save` and layers are. */
function tar(files) {
  const blocks = [];
  for (const [name, data] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('14533242400\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

/** A `docker save` tarball of one layer holding `files`. */
function dockerSave(files) {
  const layer = tar(files);
  const diffId = createHash('sha256').update(layer).digest('hex');
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['FROM_IMAGE=yes'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] } }));
  const configHex = createHash('sha256').update(config).digest('hex');
  const manifest = Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['x:1'], Layers: [`${diffId}/layer.tar`] }]));
  return tar({ [`${configHex}.json`]: config, [`${diffId}/layer.tar`]: layer, 'manifest.json': manifest });
}

test('an imported image is listed, exported, imported again to the same digest and deleted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'warren-ts-'));
  const name = `ts/tools-${randomUUID().slice(0, 8)}:1`;
  const again = `ts/again-${randomUUID().slice(0, 8)}:2`;
  try {
    await writeFile(join(dir, 'in.tar'), dockerSave({ 'etc/greeting': Buffer.from('hello from an image\n') }));
    const image = await warren.images.importImage(join(dir, 'in.tar'), name);
    try {
      assert.deepEqual([image.name, image.kind, image.layers.length, image.config.env.FROM_IMAGE], [name, 'user', 1, 'yes']);
      assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal((await warren.images.get(name)).digest, image.digest);
      const names = (await warren.images.list()).map((i) => i.name);
      assert.ok(names.includes('base') && names.includes(name), names.join(' '));
      assert.ok((await warren.images.export(name, join(dir, 'out.tar'))) > 0);
      assert.equal((await warren.images.importImage(join(dir, 'out.tar'), again)).digest, image.digest);
      assert.equal(await warren.images.delete(again), true);
    } finally {
      await warren.images.delete(name);
    }
    assert.equal(await warren.images.get(name), undefined);
    assert.equal(await warren.images.delete(name), false);
    await assert.rejects(warren.images.export(name, join(dir, 'never.tar')), (e) => e instanceof NotFoundError);
    await assert.rejects(warren.images.importImage(join(dir, 'in.tar'), 'Not A Name'), (e) => e instanceof InvalidInputError && e.field === 'name');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a keyed browser is reused, its actions drive the page and a handoff is handed back', async () => {
  const key = `ts-${randomUUID()}`;
  const b = await warren.browsers.create({ key });
  try {
    assert.equal(b.reused, false);
    assert.match(await b.cdpUrl(), /^ws:\/\/.*\/cdp\?token=wst\./);
    assert.match(b.info.cdpDiscoveryUrl, /\?token=wst\./);
    const again = await warren.browsers.create({ key });
    assert.equal(again.reused, true);
    assert.equal(again.id, b.id);
    assert.equal((await b.actions.navigate(PAGE)).title, 'ts');
    await b.actions.type('typed from ts', '#q');
    await b.actions.click('#go');
    assert.equal((await b.actions.text()).split('\n')[0], 'typed from ts');
    assert.equal(await b.actions.evaluate('6 * 7'), 42);
    assert.equal(b.info.idleAction, 'close');
    assert.equal((await b.pause()).paused, true);
    // an action resumes the paused browser first
    assert.equal(await b.actions.evaluate('6 * 7'), 42);
    assert.equal((await b.refresh()).paused, false);
    assert.deepEqual([...(await b.actions.screenshot()).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    await assert.rejects(b.actions.click('#nope', 1), ConflictError);
    assert.match(await b.devtoolsRoot(), /^http:\/\/127\.0\.0\.1:\d+$/);
    const h = await b.handoff('log in, please');
    assert.equal(h.state, 'waiting');
    await h.complete();
    assert.equal((await h.wait(5)).state, 'done');
  } finally {
    await b.close();
  }
  assert.equal((await warren.browsers.get(b.id)).info.state, 'closed');
});

test('the upload action fills a file input, and files in the downloads directory are listed and fetched', async () => {
  const b = await warren.browsers.create({});
  try {
    await b.actions.navigate('data:text/html,<input id=f type=file onchange="document.title = this.files[0].name + \':\' + this.files[0].size">');
    const up = await b.actions.upload('#f', { name: 'ts.txt', content: new TextEncoder().encode('from ts') });
    assert.equal(up.size, 7);
    assert.equal(await b.actions.evaluate('document.title'), 'ts.txt:7');
    assert.equal((await b.actions.upload('#f', { path: up.path })).name, 'ts.txt');
    assert.deepEqual(await b.downloads(), []);
    // a file in the downloads directory is listed even when no download event named it
    await warren.sandboxes.attach(b.info.sandboxId).files.write('/var/lib/warren/browser/downloads/placed.bin', new Uint8Array([1, 2, 3]));
    const list = await b.downloads();
    assert.deepEqual(list.map((d) => [d.name, d.size, d.state]), [['placed.bin', 3, 'complete']]);
    assert.deepEqual([...(await b.download('placed.bin'))], [1, 2, 3]);
    await assert.rejects(b.download('missing.bin'), NotFoundError);
  } finally {
    await b.close();
  }
});

// a button at 50,50 200x100 that turns the page red
const BUTTON_PAGE = 'data:text/html,' + encodeURIComponent("<body style='margin:0;background:#fff'><button style='position:absolute;left:50px;"
  + "top:50px;width:200px;height:100px' onclick=\"document.body.style.background='#f00'\">Press</button></body>");

test('a click by coordinates changes the page\'s next screenshot', async () => {
  const b = await warren.browsers.create({ width: 640, height: 360 });
  try {
    await b.actions.navigate(BUTTON_PAGE);
    const page = b.computer();
    const before = readPng(await page.screenshot());
    assert.deepEqual([before.width, before.height, before.rgb(10, 10)], [640, 360, 0xffffff]);
    await page.click(150, 100);
    await page.wait(100);
    assert.equal(readPng(await page.screenshot()).rgb(10, 10), 0xff0000);
    assert.deepEqual(await page.cursorPosition(), { x: 150, y: 100 });
    const half = page.scaledTo(320, 180);
    const small = readPng(await half.screenshot());
    assert.deepEqual([small.width, small.height], [320, 180]);
    assert.deepEqual(await half.cursorPosition(), { x: 75, y: 50 });
    await assert.rejects(page.click(5000, 10), (e) => e instanceof InvalidInputError && e.field === 'actions[0].x');
  } finally {
    await b.close();
  }
});

test('a desktop sandbox answers a screenshot of its display', async () => {
  const sbx = await warren.sandboxes.create({ image: 'browser', desktop: { width: 320, height: 240 } });
  try {
    assert.deepEqual([sbx.info.desktop.width, sbx.info.desktop.height], [320, 240]);
    const shot = readPng(await sbx.desktop().screenshot());
    assert.deepEqual([shot.width, shot.height], [320, 240]);
  } finally {
    await sbx.close();
  }
});

test('a Dockerfile builds with its progress reported, and a failing RUN says why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'warren-ts-'));
  const name = `ts/built-${randomUUID().slice(0, 8)}:1`;
  try {
    await writeFile(join(dir, 'Dockerfile'), 'FROM base\nARG WHO=nobody\nCOPY hello.txt /srv/\nRUN echo "hi $WHO" >> /srv/hello.txt\n');
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    const events = [];
    const built = await warren.images.build(name, dir, { buildArgs: { WHO: 'ts' }, progress: (e, data) => events.push([e, data]) });
    try {
      assert.equal(built.state, 'succeeded', JSON.stringify(built));
      assert.equal((await warren.images.get(name)).digest, built.digest);
      assert.ok(events.some(([e, d]) => e === 'step' && d.number === 4 && d.status === 'done'), JSON.stringify(events));
      await writeFile(join(dir, 'Dockerfile'), 'FROM base\nRUN echo going-wrong; exit 5\n');
      const failed = await warren.images.build(`${name}-broken`, dir);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.steps[1].exitCode, 5);
      assert.ok(failed.steps[1].output.includes('going-wrong'));
      await writeFile(join(dir, 'Dockerfile'), 'FROM base\nEXPOSE 80\n');
      await assert.rejects(warren.images.build(name, dir), (e) => e instanceof InvalidInputError && /line 2/.test(e.message));
    } finally {
      await warren.images.delete(name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
