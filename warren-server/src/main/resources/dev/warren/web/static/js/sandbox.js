// One sandbox: its header (state, limits, actions) refreshed every 1.5 s, and tabs: overview,
// sessions (their jobs and a job's output), terminal, ports (what listens, opened through preview
// URLs), desktop (when the sandbox has one).
import { h, fill, age, time, stateBadge, labels, poll } from './dom.js';
import { get, enc } from './api.js';
import { sandboxActions, limitsText } from './sandboxes.js';
import { sessionsPanel, sessionPanel } from './sessions.js';
import { mountTerminal } from './terminal.js';
import { mountDesktop } from './desktop.js';
import { portsPanel } from './ports.js';

export function sandboxView(root, [id, tab, sid, cid]) {
  const head = h('div', { class: 'sandbox-head' });
  const tabs = h('nav', { class: 'tabs' });
  const body = h('div', { class: 'tab-body' });
  fill(root, h('p', {}, h('a', { href: '#/sandboxes' }, '← Sandboxes')), head, tabs, body);
  const stops = [];
  let sandbox = null;
  let desktopMounted = false;
  let gone = false;

  const renderTabs = () => {
    const link = (t, label) => h('a', { href: `#/sandboxes/${id}` + (t ? '/' + t : ''), class: (tab || '') === t ? 'active' : '' }, label);
    fill(tabs, link('', 'Overview'), link('sessions', 'Sessions'), link('terminal', 'Terminal'),
      link('ports', 'Ports'),       sandbox?.desktop ? link('desktop', 'Desktop') : '');
  };

  const refresh = async () => {
    try {
      sandbox = await get(`/v1/sandboxes/${enc(id)}`, { quiet: true });
    } catch (e) {
      if (e.status === 404) {
        gone = true;
        fill(head, h('h1', { class: 'mono' }, id), h('p', { class: 'muted' }, 'This sandbox does not exist (any more).'));
      }
      return;
    }
    fill(head,
      h('h1', { class: 'mono' }, sandbox.id, ' ', stateBadge(sandbox.state)),
      sandbox.stateReason ? h('p', { class: 'muted' }, sandbox.stateReason) : '',
      h('p', {}, sandbox.image, ' · ', limitsText(sandbox.limits), ' · created ', age(sandbox.createdAt), ' ago · ',
        labels(sandbox.labels), ' ', sandboxActions(sandbox, () => timer.now(), () => { location.hash = '#/sandboxes'; })));
    renderTabs();
    if (!tab) overview(body, sandbox);
    if (tab === 'desktop' && sandbox.desktop && !desktopMounted) {
      desktopMounted = true;
      stops.push(mountDesktop(body, sandbox));
    } else if (tab === 'desktop' && !sandbox.desktop) {
      fill(body, h('p', { class: 'muted' }, 'This sandbox has no desktop (create it with a desktop to get a VNC view).'));
    }
  };

  renderTabs();
  if (tab === 'sessions' && !sid) stops.push(sessionsPanel(body, id));
  else if (tab === 'sessions') stops.push(sessionPanel(body, id, sid, cid));
  else if (tab === 'terminal') stops.push(mountTerminal(body, id));
  else if (tab === 'ports') stops.push(portsPanel(body, id));
  const timer = poll(refresh, 1500);
  stops.push(timer);
  return { stop: () => stops.forEach((s) => s.stop()), gone: () => gone };
}

function overview(body, s) {
  const row = (k, v) => h('tr', {}, h('th', {}, k), h('td', {}, v));
  let events = body.querySelector('#sandbox-events');
  const details = h('table', { class: 'details' },
    row('Address', s.address || ''), row('Generation', s.generation), row('Image digest', h('span', { class: 'mono small' }, s.imageDigest || '')),
    row('Created', time(s.createdAt)), row('Started', time(s.startedAt)), row('Stopped', time(s.stoppedAt)),
    row('Last activity', time(s.lastActivityAt)), row('Idle timeout', s.idleTimeoutSeconds ? s.idleTimeoutSeconds + ' s' : 'never'),
    row('Environment', Object.keys(s.env || {}).join(', ')),
    row('Egress allowed', (s.egress?.allow || []).join(', ') || 'nothing'),
    s.desktop ? row('Desktop', `${s.desktop.width}×${s.desktop.height}`) : '');
  if (!events) {
    events = h('div', { id: 'sandbox-events' });
    fill(body, details, h('h2', {}, 'Recent events'), events);
  } else {
    body.firstElementChild.replaceWith(details);
  }
  get(`/v1/events?subject=${enc(s.id)}&limit=20`, { quiet: true }).then((r) => {
    fill(events, h('table', { class: 'grid' }, h('tbody', {}, r.events.map((e) =>
      h('tr', {}, h('td', { title: e.at }, age(e.at) + ' ago'), h('td', {}, e.kind), h('td', {}, e.detail))))));
  }, () => {});
}
