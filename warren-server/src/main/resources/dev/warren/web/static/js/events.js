// The event log (GET /v1/events?subject=&limit=), newest first, refreshed every 2 s.
import { h, fill, age, poll } from './dom.js';
import { get } from './api.js';

export function eventsView(root) {
  const subject = h('input', { type: 'search', name: 'subject', placeholder: 'subject: sbx_…, ses_…, brw_…' });
  const limit = h('select', { name: 'limit' }, [50, 100, 200, 500, 1000].map((n) => h('option', { value: n }, n)));
  limit.value = '100';
  const tbody = h('tbody');
  const refresh = async () => {
    const q = new URLSearchParams({ limit: limit.value });
    if (subject.value.trim()) q.set('subject', subject.value.trim());
    let list;
    try { list = (await get('/v1/events?' + q, { quiet: true })).events; } catch (e) { return; }
    fill(tbody, list.length ? list.map((e) => h('tr', {},
      h('td', { title: e.at }, new Date(e.at).toLocaleTimeString(), h('span', { class: 'muted small' }, ' ' + age(e.at) + ' ago')),
      h('td', {}, e.kind),
      h('td', {}, e.subject ? h('a', { href: link(e.subject), class: 'mono small' }, e.subject) : ''),
      h('td', {}, e.detail))) : h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No events.')));
  };
  subject.addEventListener('input', () => timer.now());
  limit.addEventListener('change', () => timer.now());
  fill(root, h('div', { class: 'bar' }, h('h1', {}, 'Events'), subject, limit),
    h('table', { class: 'grid', id: 'events' }, h('thead', {}, h('tr', {}, ['When', 'Kind', 'Subject', 'Detail'].map((t) => h('th', {}, t)))), tbody));
  const timer = poll(refresh, 2000);
  return timer;
}

function link(subject) {
  if (subject.startsWith('sbx_')) return '#/sandboxes/' + subject;
  if (subject.startsWith('brw_')) return '#/browsers/' + subject;
  return '#/events';
}

