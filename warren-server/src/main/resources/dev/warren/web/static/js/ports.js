// A sandbox's listening ports: what listens where, refreshed when the tab is shown and by hand.
// Opening a port goes through a minted preview URL (a page cannot send the dashboard's CSRF header
// when it navigates): public, for an hour, opened in a new tab without an opener.
import { h, fill, time, busy } from './dom.js';
import { get, post, enc } from './api.js';

const SERVICES = { vnc: "Warren's VNC server (the desktop)", devtools: "Warren's Chromium DevTools (the browser session)" };

export function portsPanel(body, id) {
  const tbody = h('tbody');
  const refreshButton = h('button', { type: 'button', id: 'refresh-ports' }, 'Refresh');
  const refresh = async () => {
    let list;
    try { list = (await get(`/v1/sandboxes/${enc(id)}/ports`)).ports; } catch (e) { return; }
    fill(tbody, list.length ? list.map((p) => row(id, p)) : h('tr', {}, h('td', { colspan: 3, class: 'muted' },
      'Nothing listens in this sandbox. Start a server listening on 0.0.0.0:PORT (e.g. ',
      h('code', {}, 'python3 -m http.server 8000 --bind 0.0.0.0'), '), then refresh.')));
  };
  refreshButton.addEventListener('click', busy(refreshButton, refresh));
  fill(body, h('div', { class: 'bar' }, h('h2', {}, 'Ports'), refreshButton),
    h('table', { class: 'grid', id: 'ports' }, h('thead', {}, h('tr', {}, ['Port', 'Address', ''].map((t) => h('th', {}, t)))), tbody));
  refresh();
  return { stop() {} };
}

function row(id, p) {
  const tr = h('tr', { dataset: { port: p.port } }, h('td', { class: 'mono' }, p.port), h('td', { class: 'mono' }, p.address));
  if (p.warren) {
    tr.append(h('td', { class: 'muted' }, SERVICES[p.service] || "Warren's own (" + p.service + ')'));
    return tr;
  }
  const link = h('div', { class: 'small minted' });
  const open = h('button', { type: 'button', class: 'primary open-port' }, 'Open');
  open.addEventListener('click', busy(open, async () => {
    const m = await mint(id, p.port);
    if (!m) return;
    window.open(m.href, '_blank', 'noopener');
    // a popup blocker may have stopped the tab: the link stays here to click
    showLink(link, m, 'Opened ');
  }));
  const copy = h('button', { type: 'button', class: 'copy-port' }, 'Copy link');
  copy.addEventListener('click', busy(copy, async () => {
    const m = await mint(id, p.port);
    if (!m) return;
    let copied = false;
    try {
      await navigator.clipboard.writeText(m.href);
      copied = true;
    } catch (e) { /* no clipboard here (not a secure context): the link is shown to copy by hand */ }
    showLink(link, m, copied ? 'Copied ' : 'Link ');
  }));
  tr.append(h('td', {}, open, ' ', copy, link));
  return tr;
}

/** A public preview URL for an hour: its {href, expiresAt}, or null when minting failed (shown). */
async function mint(id, port) {
  let m;
  try { m = await post(`/v1/sandboxes/${enc(id)}/ports/${port}/url`, { access: 'public', ttlSeconds: 3600 }); } catch (e) { return null; }
  // without a preview domain the URL is a path on Warren: keep the address this page reached Warren at
  const u = new URL(m.url);
  return { href: m.hostUrl || location.origin + u.pathname + u.search, expiresAt: m.expiresAt };
}

function showLink(el, m, verb) {
  fill(el, verb, h('a', { href: m.href, target: '_blank', rel: 'noopener noreferrer', class: 'mono' }, m.href),
    ' (anyone with it can open this port until ', time(m.expiresAt), ')');
}
