// Warren's MCP server with the official TypeScript client (@modelcontextprotocol/sdk): list the tools,
// call each one, and see an error come back as a tool error carrying the API's detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { api, base, token, page } from '../lib/warren.mjs';

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
    assert.deepEqual(names, ['browser_click', 'browser_close', 'browser_content', 'browser_create', 'browser_evaluate',
      'browser_extract_text', 'browser_handoff', 'browser_navigate', 'browser_screenshot', 'browser_type', 'file_list', 'file_read',
      'file_write', 'sandbox_create', 'sandbox_delete', 'sandbox_exec', 'sandbox_list', 'session_create', 'session_output', 'session_run']);
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
