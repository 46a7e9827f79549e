// Every common CDP client, unmodified, against a real Warren browser: Puppeteer (browserWSEndpoint
// and browserURL), Playwright (connectOverCDP with the ws URL, the tokened HTTP URL and the
// loopback root) and chrome-remote-interface (host/port discovery, /json/protocol, /json/new).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { chromium } from 'playwright-core';
import CDP from 'chrome-remote-interface';
import { api, withBrowser, page } from '../lib/warren.mjs';

async function rootOf(b) {
  const r = await api('POST', `/v1/browsers/${b.id}/devtools-root`);
  assert.match(r.browserUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  return r;
}

test('Puppeteer connects with browserWSEndpoint (cdpUrl) and with browserURL (the loopback DevTools root)', async () => {
  await withBrowser(async (b) => {
    const ws = await puppeteer.connect({ browserWSEndpoint: b.cdpUrl });
    const p1 = await ws.newPage();
    await p1.goto(page('by-ws'));
    assert.equal(await p1.$eval('#h', (e) => e.textContent), 'by-ws');
    await ws.disconnect();

    const { browserUrl } = await rootOf(b);
    const viaRoot = await puppeteer.connect({ browserURL: browserUrl });
    const p2 = await viaRoot.newPage();
    await p2.goto(page('by-url'));
    assert.equal(await p2.title(), 'by-url');
    assert.match(await viaRoot.version(), /Chrom/);
    await viaRoot.disconnect();
  });
});

test('Playwright connectOverCDP works with cdpUrl, with cdpDiscoveryUrl (no headers) and with the root', async () => {
  await withBrowser(async (b) => {
    for (const url of [b.cdpUrl, b.cdpDiscoveryUrl, (await rootOf(b)).browserUrl]) {
      const browser = await chromium.connectOverCDP(url);
      const ctx = browser.contexts()[0];
      const p = await ctx.newPage();
      await p.goto(page('pw'));
      assert.equal(await p.textContent('#h'), 'pw', url.replace(/token=[^&]+/, 'token=…'));
      await p.close();
      await browser.close();
    }
  });
});

test('Playwright connectOverCDP(cdpHttpUrl) without a token is refused with 401', async () => {
  await withBrowser(async (b) => {
    await assert.rejects(chromium.connectOverCDP(b.cdpHttpUrl, { timeout: 10_000 }), /401|nauthori/);
  });
});

test('chrome-remote-interface finds a page through /json/list and /json/protocol, and opens and closes targets', async () => {
  await withBrowser(async (b) => {
    const { port } = await rootOf(b);
    const opts = { host: '127.0.0.1', port };
    const version = await CDP.Version(opts);
    assert.match(version.Browser, /Chrom/);
    const protocol = await CDP.Protocol(opts);
    assert.ok(protocol.domains.some((d) => d.domain === 'Page'), 'the protocol names the Page domain');

    const target = await CDP.New({ ...opts, url: page('cri') });
    assert.match(target.webSocketDebuggerUrl, /\/v1\/browsers\/brw_[0-9a-z]{26}\/devtools\/page\/.+\?token=wst\./);
    const client = await CDP({ ...opts, target });
    try {
      // the new tab loads its URL on its own: wait (bounded) for its title
      let title = '';
      for (let i = 0; i < 100 && title !== 'cri'; i++) {
        title = (await client.Runtime.evaluate({ expression: 'document.title' })).result.value;
        if (title !== 'cri') await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(title, 'cri');
    } finally {
      await client.close();
    }
    assert.ok((await CDP.List(opts)).some((t) => t.id === target.id));
    await CDP.Close({ ...opts, id: target.id });
    for (let i = 0; i < 50 && (await CDP.List(opts)).some((t) => t.id === target.id); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!(await CDP.List(opts)).some((t) => t.id === target.id), 'the closed target is gone');

    // the default target (the first page), through the protocol Warren serves
    const first = await CDP(opts);
    try {
      const { result } = await first.Runtime.evaluate({ expression: '6 * 7' });
      assert.equal(result.value, 42);
    } finally {
      await first.close();
    }
  });
});
