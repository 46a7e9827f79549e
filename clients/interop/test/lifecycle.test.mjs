// A CDP client's Browser.close on a shared session (Puppeteer's browser.close()) ends that
// client's connection and its own pages, never the session's Chromium: a second client with the
// same key connects right after and works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';
import { api, page } from '../lib/warren.mjs';

test('Puppeteer browser.close() leaves the shared session working for the next client of the same key', async () => {
  const key = `interop-close-${process.pid}-${Date.now()}`;
  const first = await api('POST', '/v1/browsers', { key });
  try {
    const a = await puppeteer.connect({ browserWSEndpoint: first.cdpUrl });
    const mine = await a.newPage();
    await mine.goto(page('first-client'));
    const before = (await api('GET', `/v1/browsers/${first.id}`)).generation;
    await a.close();
    const closedAt = Date.now();

    const again = await api('POST', '/v1/browsers', { key });
    assert.equal(again.id, first.id, 'the same key finds the same session');
    assert.equal(again.state, 'ready');
    const b = await puppeteer.connect({ browserWSEndpoint: again.cdpUrl });
    const connectedIn = Date.now() - closedAt;
    try {
      const p = await b.newPage();
      await p.goto(page('second-client'));
      assert.equal(await p.$eval('#h', (e) => e.textContent), 'second-client');
      assert.ok(connectedIn < 2000, `the second client connected ${connectedIn} ms after the close`);
      const urls = (await b.pages()).map((x) => x.url());
      assert.ok(!urls.some((u) => u.includes('first-client')), `the first client's page was closed: ${urls}`);
    } finally {
      await b.disconnect();
    }
    const after = await api('GET', `/v1/browsers/${first.id}`);
    assert.equal(after.state, 'ready');
    assert.equal(after.generation, before, 'Chromium was not restarted: it never died');
  } finally {
    await api('DELETE', `/v1/browsers/${first.id}`);
  }
});
