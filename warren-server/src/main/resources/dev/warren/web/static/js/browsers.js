// Browser sessions: the list (key, state, profile, age) with delete, and one browser's live view.
import { h, fill, age, time, stateBadge, poll, confirmButton } from './dom.js';
import { get, del, enc } from './api.js';

export function browsersView(root) {
  const tbody = h('tbody');
  const refresh = async () => {
    let list;
    try { list = (await get('/v1/browsers', { quiet: true })).browsers; } catch (e) { return; }
    list.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    fill(tbody, list.length ? list.map((b) => h('tr', { dataset: { id: b.id, state: b.state } },
      h('td', {}, h('a', { href: '#/browsers/' + b.id, class: 'mono' }, b.id)),
      h('td', {}, b.key || ''),
      h('td', {}, stateBadge(b.state), b.stateReason ? h('div', { class: 'muted small' }, b.stateReason) : ''),
      h('td', {}, b.profile || '', b.profile && b.profileReadOnly ? ' (read-only)' : ''),
      h('td', { title: b.createdAt }, age(b.createdAt)),
      h('td', {}, b.sandboxId ? h('a', { href: '#/sandboxes/' + b.sandboxId, class: 'mono small' }, b.sandboxId) : ''),
      h('td', {}, confirmButton('Delete', async () => {
        try { await del(`/v1/browsers/${enc(b.id)}`); } catch (e) { /* shown */ }
        timer.now();
      })))) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No browser sessions.')));
  };
  fill(root, h('div', { class: 'bar' }, h('h1', {}, 'Browsers')),
    h('table', { class: 'grid', id: 'browsers' },
      h('thead', {}, h('tr', {}, ['Id', 'Key', 'State', 'Profile', 'Age', 'Sandbox', ''].map((t) => h('th', {}, t)))), tbody));
  const timer = poll(refresh, 2000);
  return timer;
}

export function browserView(root, [id]) {
  const head = h('div');
  const live = h('div', { class: 'live' });
  fill(root, h('p', {}, h('a', { href: '#/browsers' }, '← Browsers')), head, live);
  let shownUrl = null;
  const refresh = async () => {
    let b;
    try { b = await get(`/v1/browsers/${enc(id)}`, { quiet: true }); } catch (e) {
      if (e.status === 404) fill(head, h('h1', { class: 'mono' }, id), h('p', { class: 'muted' }, 'This browser session does not exist (any more).'));
      return;
    }
    fill(head, h('h1', { class: 'mono' }, b.id, ' ', stateBadge(b.state)),
      h('p', {}, b.key ? 'key ' + b.key + ' · ' : '', b.profile ? 'profile ' + b.profile + ' · ' : '',
        `${b.viewport?.width}×${b.viewport?.height}`, ' · created ', time(b.createdAt),
        b.sandboxId ? [' · sandbox ', h('a', { href: '#/sandboxes/' + b.sandboxId, class: 'mono' }, b.sandboxId)] : ''),
      confirmButton('Delete', async () => {
        try { await del(`/v1/browsers/${enc(b.id)}`); location.hash = '#/browsers'; } catch (e) { /* shown */ }
      }));
    // keep the frame while the session lives: a fresh URL (a new token) every poll would reload it.
    // The person at the dashboard holds the API token's rights, so the page may take control.
    const liveUrl = b.liveControlUrl || b.liveViewUrl;
    if (liveUrl && !shownUrl) {
      shownUrl = liveUrl;
      fill(live, h('iframe', { src: liveUrl, class: 'live-frame', id: 'live-view', title: 'live view of ' + b.id,
        style: `aspect-ratio: ${b.viewport?.width || 16} / ${b.viewport?.height || 9}` }));
    } else if (!liveUrl && !shownUrl) {
      fill(live, h('p', { class: 'muted' }, 'No live view for this browser session' + ('liveViewUrl' in b ? ' right now.' : ' (this server does not offer one).')));
    } else if (!liveUrl && shownUrl) {
      shownUrl = null;
      fill(live, h('p', { class: 'muted' }, 'The live view ended.'));
    }
  };
  const timer = poll(refresh, 2000);
  return timer;
}
