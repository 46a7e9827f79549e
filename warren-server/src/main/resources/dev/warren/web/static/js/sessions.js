// A sandbox's shell sessions (create, delete), a session's jobs (command, state, exit code,
// duration) with a form to run one, and a job's output.
import { h, fill, age, duration, stateBadge, poll, confirmButton } from './dom.js';
import { get, post, del, enc } from './api.js';
import { jobOutput } from './jobs.js';

export function sessionsPanel(body, id) {
  const tbody = h('tbody');
  const create = h('button', { type: 'button', class: 'primary', id: 'new-session' }, 'New session');
  create.addEventListener('click', async () => {
    create.disabled = true;
    try {
      const s = await post(`/v1/sandboxes/${enc(id)}/sessions`, {});
      location.hash = `#/sandboxes/${id}/sessions/${s.id}`;
    } catch (e) { /* shown */ } finally { create.disabled = false; }
  });
  const refresh = async () => {
    let list;
    try { list = (await get(`/v1/sandboxes/${enc(id)}/sessions`, { quiet: true })).sessions; } catch (e) { return; }
    list.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    fill(tbody, list.length ? list.map((s) => h('tr', { dataset: { id: s.id } },
      h('td', {}, h('a', { href: `#/sandboxes/${id}/sessions/${s.id}`, class: 'mono' }, s.id)),
      h('td', {}, stateBadge(s.state), s.stateReason ? h('div', { class: 'muted small' }, s.stateReason) : ''),
      h('td', { class: 'mono' }, s.cwd || ''),
      h('td', { title: s.createdAt }, age(s.createdAt)),
      h('td', {}, confirmButton('Delete', async () => {
        try { await del(`/v1/sandboxes/${enc(id)}/sessions/${enc(s.id)}`); } catch (e) { /* shown */ }
        timer.now();
      })))) : h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No sessions yet.')));
  };
  fill(body, h('div', { class: 'bar' }, h('h2', {}, 'Sessions'), create),
    h('table', { class: 'grid', id: 'sessions' }, h('thead', {}, h('tr', {}, ['Id', 'State', 'Cwd', 'Age', ''].map((t) => h('th', {}, t)))), tbody));
  const timer = poll(refresh, 2000);
  return timer;
}

export function sessionPanel(body, id, sid, cid) {
  const base = `/v1/sandboxes/${enc(id)}/sessions/${enc(sid)}`;
  const info = h('p', { class: 'muted' });
  const tbody = h('tbody');
  const command = h('textarea', { name: 'command', rows: 3, placeholder: 'a shell command, e.g. ls -la /', spellcheck: 'false' });
  const run = h('button', { type: 'submit', class: 'primary' }, 'Run');
  const form = h('form', { class: 'run', id: 'run-command' }, command, run);
  command.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) form.requestSubmit();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!command.value.trim()) return;
    run.disabled = true;
    try {
      const c = await post(`${base}/commands`, { command: command.value, async: true });
      command.value = '';
      location.hash = `#/sandboxes/${id}/sessions/${sid}/commands/${c.id}`;
    } catch (e) { /* shown */ } finally { run.disabled = false; }
  });
  const output = h('div', { class: 'job-output' });
  const refresh = async () => {
    let s, list;
    try {
      [s, list] = await Promise.all([get(base, { quiet: true }), get(`${base}/commands`, { quiet: true })]);
    } catch (e) {
      if (e.status === 404) fill(info, 'This session does not exist (any more).');
      return;
    }
    fill(info, 'Session ', h('span', { class: 'mono' }, s.id), ' ', stateBadge(s.state), s.cwd ? ' · cwd ' + s.cwd : '',
      ' · started ', age(s.createdAt), ' ago', s.stateReason ? ' · ' + s.stateReason : '');
    list = list.commands.sort((a, b) => b.seq - a.seq);
    fill(tbody, list.length ? list.map((c) => h('tr', { dataset: { id: c.id, state: c.state }, class: c.id === cid ? 'selected' : '' },
      h('td', {}, c.seq),
      h('td', { class: 'mono command' }, h('a', { href: `#/sandboxes/${id}/sessions/${sid}/commands/${c.id}` }, c.command.length > 120 ? c.command.slice(0, 120) + '…' : c.command)),
      h('td', {}, stateBadge(c.state), c.timedOut ? ' timed out' : '', c.signal ? ' ' + c.signal : ''),
      h('td', { class: 'exit' }, c.exitCode ?? ''),
      h('td', {}, duration(c.durationMs)),
      h('td', { title: c.submittedAt }, age(c.submittedAt)))) : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No jobs yet.')));
  };
  fill(body,
    h('p', {}, h('a', { href: `#/sandboxes/${id}/sessions` }, '← Sessions')),
    info, form, output,
    h('h2', {}, 'Jobs'),
    h('table', { class: 'grid', id: 'jobs' }, h('thead', {}, h('tr', {}, ['#', 'Command', 'State', 'Exit', 'Duration', 'Submitted'].map((t) => h('th', {}, t)))), tbody));
  const stops = [poll(refresh, 1500)];
  if (cid) stops.push(jobOutput(output, base, cid, () => stops[0].now()));
  return { stop: () => stops.forEach((s) => s.stop()), now: () => stops[0].now() };
}
