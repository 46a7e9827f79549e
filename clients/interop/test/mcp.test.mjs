// Warren's MCP server with the official TypeScript client (@modelcontextprotocol/sdk): list the tools,
// call each one, and see an error come back as a tool error carrying the API's detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { api, base, token, page } from '../lib/warren.mjs';
import { readPng } from '../lib/png.mjs';

async function connect(bearer = token) {
  const client = new Client({ name: 'warren-interop-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', base), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  await client.connect(transport);
  return client;
}

const text = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
const json = (r) => {
  assert.ok(!r.isError, `tool error: ${text(r)}`);
  return JSON.parse(text(r));
};

test('a client without a valid token is refused', async () => {
  await assert.rejects(connect('not-the-token'), /401|nauthori/);
});

test('the tools are listed with descriptions and schemas', async () => {
  const client = await connect();
  try {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['browser_click', 'browser_close', 'browser_computer_actions', 'browser_content', 'browser_create', 'browser_evaluate',
      'browser_extract_text', 'browser_handoff', 'browser_navigate', 'browser_screenshot', 'browser_type', 'file_list', 'file_read',
      'file_write', 'image_delete', 'image_list', 'image_pull', 'sandbox_create', 'sandbox_delete', 'sandbox_desktop_actions', 'sandbox_exec', 'sandbox_fork', 'sandbox_list', 'sandbox_pause', 'sandbox_ports',
      'sandbox_preview_url', 'sandbox_resume', 'sandbox_snapshot', 'session_create', 'session_output', 'session_run', 'volume_create', 'volume_delete',
      'volume_list']);
    for (const t of tools) {
      assert.ok(t.description.length > 40, `${t.name} has a description a model can use`);
      assert.equal(t.inputSchema.type, 'object');
      for (const [name, prop] of Object.entries(t.inputSchema.properties)) assert.ok(prop.description, `${t.name}.${name} is described`);
    }
  } finally {
    await client.close();
  }
});

test('the sandbox, file and session tools work, and an error is a tool error with the detail', async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  const sbx = json(await call('sandbox_create', { labels: { via: 'mcp' }, memoryMb: 256 }));
  try {
    assert.match(sbx.id, /^sbx_/);
    assert.equal(sbx.state, 'running');
    assert.ok(json(await call('sandbox_list', { label: 'via=mcp' })).sandboxes.some((s) => s.id === sbx.id));

    const exec = json(await call('sandbox_exec', { sandboxId: sbx.id, command: 'echo hi from $(hostname); echo oops >&2; exit 3' }));
    assert.equal(exec.exitCode, 3);
    assert.equal(exec.stdout, `hi from ${sbx.id}\n`);
    assert.equal(exec.stderr, 'oops\n');

    assert.match(text(await call('file_write', { sandboxId: sbx.id, path: '/tmp/mcp/notes.txt', content: 'hello ✓', mode: '0600' })), /wrote 9 bytes/);
    assert.equal(text(await call('file_read', { sandboxId: sbx.id, path: '/tmp/mcp/notes.txt' })), 'hello ✓');
    const entries = json(await call('file_list', { sandboxId: sbx.id, path: '/tmp/mcp' })).entries;
    assert.deepEqual(entries.map((e) => [e.name, e.type, e.mode]), [['notes.txt', 'file', '0600']]);

    const ses = json(await call('session_create', { sandboxId: sbx.id, cwd: '/tmp' }));
    assert.match(ses.sessionId, /^ses_/);
    json(await call('session_run', { sandboxId: sbx.id, sessionId: ses.sessionId, command: 'cd mcp && export X=42' }));
    const run = json(await call('session_run', { sandboxId: sbx.id, sessionId: ses.sessionId, command: 'pwd; echo $X; for i in 1 2 3; do echo tick-$i; done' }));
    assert.equal(run.state, 'finished');
    assert.equal(run.stdout, '/tmp/mcp\n42\ntick-1\ntick-2\ntick-3\n');
    const out = json(await call('session_output', { sandboxId: sbx.id, sessionId: ses.sessionId, commandId: run.id, offset: 12, maxBytes: 7 }));
    assert.deepEqual(out, { text: 'tick-1\n', offset: 12, nextOffset: 19, state: 'finished' });

    const missing = await call('file_read', { sandboxId: sbx.id, path: '/no/such/file' });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /404 not-found: .*\/no\/such\/file/);
    const bad = await call('sandbox_create', { memoryMb: 99999999 });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /400 invalid-input: limits\.memoryMb must be between 16 and .*\(field limits\.memoryMb\)/);
  } finally {
    assert.match(text(await call('sandbox_delete', { sandboxId: sbx.id })), /deleted/);
    await client.close();
  }
  await assert.rejects(api('GET', `/v1/sandboxes/${sbx.id}`), /404/);
});

test('the image tools list the images, and a pull or delete the API refuses is a tool error with its detail', async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  try {
    const images = json(await call('image_list', {})).images;
    const base = images.find((i) => i.name === 'base');
    assert.ok(base, `base is listed: ${JSON.stringify(images)}`);
    assert.equal(base.kind, 'builtin');
    assert.equal(base.built, true);
    assert.ok(!('config' in base), 'the list is trimmed to what a model needs');

    // a registry on loopback is refused unless the operator lists it (the controller never fetches from its own host)
    const local = await call('image_pull', { reference: '127.0.0.1:5000/team/app:1' });
    assert.equal(local.isError, true);
    assert.match(text(local), /400 invalid-input: .*loopback or private address.*\(field reference\)/);
    const badName = await call('image_pull', { reference: 'python:3.12', name: 'Not A Name' });
    assert.equal(badName.isError, true);
    assert.match(text(badName), /400 invalid-input: .*\(field name\)/);

    const missing = await call('image_delete', { name: 'team/never-pulled:1' });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /404 not-found: .*team\/never-pulled:1/);
    const builtin = await call('image_delete', { name: 'base' });
    assert.equal(builtin.isError, true);
    const escape = await call('image_delete', { name: '../sandboxes/x' });
    assert.equal(escape.isError, true);
    assert.match(text(escape), /not an image name/);
  } finally {
    await client.close();
  }
});

test("an agent's dev loop over MCP: its app's port is listed, a link opens it, and a browser with reach loads it", async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  const sbx = json(await call('sandbox_create', {}));
  let browser;
  try {
    assert.match(text(await call('file_write', { sandboxId: sbx.id, path: '/tmp/app/index.html', content: '<title>the app</title><h1>hello from the app</h1>' })),
      /wrote/);
    json(await call('sandbox_exec', { sandboxId: sbx.id, command: 'cd /tmp/app && (nohup python3 -m http.server 3000 >/dev/null 2>&1 &)' }));
    let port;
    for (const deadline = Date.now() + 15_000; !port && Date.now() < deadline;) {
      port = json(await call('sandbox_ports', { sandboxId: sbx.id })).ports.find((p) => p.port === 3000);
      if (!port) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(port, 'port 3000 is listed once the app listens');
    assert.equal(port.warren, false);
    assert.equal(port.path, `/v1/sandboxes/${sbx.id}/ports/3000/`);

    // a public link opens without a token
    const link = json(await call('sandbox_preview_url', { sandboxId: sbx.id, port: 3000, access: 'public', ttlSeconds: 600 }));
    assert.match(link.url, /\/v1\/previews\/wpv\./);
    assert.equal(link.access, 'public');
    const res = await fetch(link.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /hello from the app/);
    const refused = await call('sandbox_preview_url', { sandboxId: sbx.id, port: 70000 });
    assert.equal(refused.isError, true);

    // a browser allowed to reach the sandbox's port loads the app by the sandbox's id as host name
    browser = json(await call('browser_create', { reach: [`${sbx.id}:3000`] }));
    const nav = json(await call('browser_navigate', { browserId: browser.id, url: `http://${sbx.id}:3000/` }));
    assert.equal(nav.title, 'the app');
    assert.match(text(await call('browser_extract_text', { browserId: browser.id })), /hello from the app/);

    const bad = await call('sandbox_create', { reach: ['sbx_nope'] });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /400 invalid-input: .*egress\.reach/);
  } finally {
    if (browser) await call('browser_close', { browserId: browser.id });
    await call('sandbox_delete', { sandboxId: sbx.id });
    await client.close();
  }
});

test('the browser tools drive a page, return a screenshot as an image, and a handoff reports progress until handed back', async () => {
  const client = await connect();
  const call = (name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts);
  const b = json(await call('browser_create', { key: `mcp-${Date.now()}` }));
  try {
    assert.match(b.id, /^brw_/);
    assert.equal(b.state, 'ready');
    const html = '<title>MCP page</title><h1 id=h>hello</h1><input id=q><button id=go onclick="h.textContent=q.value">go</button>';
    assert.equal(json(await call('browser_navigate', { browserId: b.id, url: 'data:text/html,' + encodeURIComponent(html) })).title, 'MCP page');
    json(await call('browser_type', { browserId: b.id, selector: '#q', text: 'typed by MCP' }));
    json(await call('browser_click', { browserId: b.id, selector: '#go' }));
    assert.equal(text(await call('browser_extract_text', { browserId: b.id })).split('\n')[0], 'typed by MCP');
    assert.match(text(await call('browser_content', { browserId: b.id })), /<h1 id="h">typed by MCP<\/h1>/);
    assert.equal(json(await call('browser_evaluate', { browserId: b.id, expression: '6 * 7' })).value, 42);

    const shot = await call('browser_screenshot', { browserId: b.id });
    assert.equal(shot.content[0].type, 'image');
    assert.equal(shot.content[0].mimeType, 'image/png');
    assert.deepEqual([...Buffer.from(shot.content[0].data, 'base64').subarray(1, 4)], [0x50, 0x4e, 0x47]);

    const notFound = await call('browser_click', { browserId: b.id, selector: '#nope' });
    assert.equal(notFound.isError, true);

    // a person hands the browser back while the tool waits; progress arrives meanwhile
    const progress = [];
    const waiting = call('browser_handoff', { browserId: b.id, reason: 'log in, please', waitSeconds: 60 },
      { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true, timeout: 90_000 });
    let open;
    for (let i = 0; i < 100 && !open; i++) {
      open = (await api('GET', `/v1/browsers/${b.id}/handoffs?state=open`)).handoffs[0];
      if (!open) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(open, 'the handoff was requested');
    for (let i = 0; i < 100 && progress.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await api('POST', `/v1/browsers/${b.id}/handoffs/${open.id}/complete`, {});
    const done = json(await waiting);
    assert.equal(done.state, 'done');
    assert.ok(progress.length >= 1, 'progress was reported while waiting');
    assert.match(progress[0].message, /waiting for a person .*\/live\/browsers\/brw_/);
  } finally {
    assert.match(text(await call('browser_close', { browserId: b.id })), /closed/);
    await client.close();
  }
});

test('browser_create takes idleTimeoutSeconds, idleAction and pausedTimeoutSeconds like the API, and a bad value is a tool error naming the field', async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  const b = json(await call('browser_create', { idleTimeoutSeconds: 300, idleAction: 'pause', pausedTimeoutSeconds: 600 }));
  try {
    assert.deepEqual([b.idleTimeoutSeconds, b.idleAction, b.pausedTimeoutSeconds], [300, 'pause', 600]);
    const stored = await api('GET', `/v1/browsers/${b.id}`);
    assert.deepEqual([stored.idleTimeoutSeconds, stored.idleAction, stored.pausedTimeoutSeconds], [300, 'pause', 600]);
    const before = new Set((await api('GET', '/v1/browsers')).browsers.map((x) => x.id));
    for (const [args, field] of [[{ idleAction: 'sometimes' }, 'idleAction'], [{ idleAction: 7 }, 'idleAction'],
      [{ pausedTimeoutSeconds: -1 }, 'pausedTimeoutSeconds'], [{ pausedTimeoutSeconds: 'soon' }, 'pausedTimeoutSeconds'],
      [{ pausedTimeoutSeconds: 2592001 }, 'pausedTimeoutSeconds']]) {
      const bad = await call('browser_create', args);
      assert.equal(bad.isError, true, `${JSON.stringify(args)} is refused`);
      assert.match(text(bad), new RegExp(field), `the error for ${JSON.stringify(args)} names ${field}: ${text(bad)}`);
    }
    const made = (await api('GET', '/v1/browsers')).browsers.filter((x) => !before.has(x.id));
    assert.deepEqual(made, [], 'no browser was made for a bad value');
  } finally {
    assert.match(text(await call('browser_close', { browserId: b.id })), /closed/);
    await client.close();
  }
});

// computer use: the same action list on a page and on a desktop; screenshots come back as images, the rest as text
const images = (r) => {
  assert.ok(!r.isError, `tool error: ${text(r)}`);
  return r.content.filter((c) => c.type === 'image').map((c) => {
    assert.equal(c.mimeType, 'image/png');
    return readPng(c.data);
  });
};
const CLICK_THEN_LOOK = [{ action: 'click', x: 150, y: 100 }, { action: 'wait', ms: 300 }, { action: 'screenshot' }];

/** Screenshots through the tool until one shows what is wanted (an app repaints after the input reaches it; 10 s at most). */
async function awaitScreen(call, tool, args, what, wanted) {
  let last;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    [last] = images(await call(tool, { ...args, actions: [{ action: 'screenshot' }] }));
    if (wanted(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the screen never showed ${what} within 10 s; pixel at 10,10 is ${last.rgb(10, 10).toString(16)}`);
}

test('browser_computer_actions clicks a page by coordinates and returns screenshots as images', async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  const b = json(await call('browser_create', { width: 800, height: 600 }));
  try {
    const html = "<body style='margin:0;background:#fff'><button style='position:absolute;left:50px;top:50px;width:200px;height:100px' "
      + "onclick=\"document.body.style.background='#f00'\">Press</button></body>";
    json(await call('browser_navigate', { browserId: b.id, url: 'data:text/html,' + encodeURIComponent(html) }));
    const [before] = images(await call('browser_computer_actions', { browserId: b.id, actions: [{ action: 'screenshot' }] }));
    assert.deepEqual([before.width, before.height, before.rgb(10, 10)], [800, 600, 0xffffff]);

    const clicked = await call('browser_computer_actions', { browserId: b.id, actions: [...CLICK_THEN_LOOK, { action: 'cursor_position' }] });
    const [after] = images(clicked);
    assert.equal(after.rgb(10, 10), 0xff0000, 'the click turned the page red');
    const summary = JSON.parse(text(clicked));
    assert.deepEqual(summary.results.map((r) => r.action), ['click', 'wait', 'screenshot', 'cursor_position']);
    assert.deepEqual([summary.results[2].image, summary.results[2].data, summary.results[3].x, summary.results[3].y], [1, undefined, 150, 100]);

    const [half] = images(await call('browser_computer_actions', { browserId: b.id, screen: { width: 400, height: 300 }, actions: [{ action: 'screenshot' }] }));
    assert.deepEqual([half.width, half.height], [400, 300]);

    const outside = await call('browser_computer_actions', { browserId: b.id, actions: [{ action: 'click', x: 5000, y: 10 }] });
    assert.equal(outside.isError, true);
    assert.match(text(outside), /400 invalid-input: .*\(field actions\[0\]\.x\)/);
    const none = await call('browser_computer_actions', { browserId: b.id, actions: [] });
    assert.equal(none.isError, true);
    assert.match(text(none), /actions/);
  } finally {
    assert.match(text(await call('browser_close', { browserId: b.id })), /closed/);
    await client.close();
  }
});

test('sandbox_desktop_actions clicks a Tk app on a desktop sandbox and returns screenshots as images', async () => {
  const client = await connect();
  const call = (name, args) => client.callTool({ name, arguments: args });
  const sbx = json(await call('sandbox_create', { image: 'browser', desktop: { width: 800, height: 600 } }));
  try {
    assert.deepEqual([sbx.desktop.width, sbx.desktop.height], [800, 600]);
    // a white 400x300 window at the top left with a blue button at 50,50 200x100 that turns it red (no window manager)
    const app = `wm geometry . 400x300+0+0
. configure -background white
button .b -text Press -background blue -activebackground blue -command { . configure -background red }
place .b -x 50 -y 50 -width 200 -height 100
`;
    assert.match(text(await call('file_write', { sandboxId: sbx.id, path: '/tmp/app.tcl', content: app })), /wrote/);
    assert.equal(json(await call('sandbox_exec', { sandboxId: sbx.id, command: 'DISPLAY=:99 setsid -f wish /tmp/app.tcl >/tmp/wish.log 2>&1' })).exitCode, 0);
    const args = { sandboxId: sbx.id };
    const before = await awaitScreen(call, 'sandbox_desktop_actions', args, "the app's white window", (i) => i.rgb(10, 10) === 0xffffff);
    assert.deepEqual([before.width, before.height], [800, 600]);

    const [clicked] = images(await call('sandbox_desktop_actions', { ...args, actions: CLICK_THEN_LOOK }));
    const after = clicked.rgb(10, 10) === 0xff0000 ? clicked
      : await awaitScreen(call, 'sandbox_desktop_actions', args, 'the window turned red', (i) => i.rgb(10, 10) === 0xff0000);
    assert.equal(after.rgb(10, 10), 0xff0000);

    const bad = await call('sandbox_desktop_actions', { ...args, actions: [{ action: 'key' }] });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /400 invalid-input: .*\(field actions\[0\]\.keys\)/);
  } finally {
    assert.match(text(await call('sandbox_delete', { sandboxId: sbx.id })), /deleted/);
    await client.close();
  }
});
