// Sandboxes: the list (state, image, age, limits, labels, actions), refreshed every 1.5 s, and the create form.
import { h, fill, age, stateBadge, labels, poll, confirmButton } from './dom.js';
import { get, post, del, enc } from './api.js';
import { showError } from './errors.js';

export function limitsText(l) {
  if (!l) return '';
  return `${l.memoryMb} MiB · ${l.cpus} CPU · ${l.pids} pids`;
}

/** Stop / start / restart / delete buttons for one sandbox; refresh() after each. */
export function sandboxActions(s, refresh, afterDelete) {
  // a browser session's sandbox is stopped and deleted with its session, not on its own
  if (s.browserId) {
    return h('span', { class: 'actions muted small', dataset: { owner: s.browserId } }, 'managed by ',
      h('a', { href: '#/browsers', class: 'mono' }, s.browserId));
  }
  const act = (what) => async (ev) => {
    ev.target.disabled = true;
    try { await post(`/v1/sandboxes/${enc(s.id)}/${what}`); } catch (e) { /* shown */ }
    ev.target.disabled = false;
    refresh();
  };
  const running = s.state === 'running';
  const stopped = s.state === 'stopped' || s.state === 'failed';
  return h('span', { class: 'actions' },
    h('button', { type: 'button', disabled: !running, onclick: act('stop'), dataset: { action: 'stop' } }, 'Stop'),
    h('button', { type: 'button', disabled: !stopped, onclick: act('start'), dataset: { action: 'start' } }, 'Start'),
    h('button', { type: 'button', disabled: !running, onclick: act('restart'), dataset: { action: 'restart' } }, 'Restart'),
    confirmButton('Delete', async () => {
      try { await del(`/v1/sandboxes/${enc(s.id)}`); } catch (e) { /* shown */ }
      (afterDelete || refresh)();
    }));
}

export function sandboxesView(root) {
  const tbody = h('tbody');
  const count = h('span', { class: 'muted' });
  const filter = h('input', { type: 'search', placeholder: 'filter: label k=v or state', 'aria-label': 'filter' });
  let highlight = null;
  const refresh = async () => {
    let list;
    try { list = (await get('/v1/sandboxes', { quiet: true })).sandboxes; } catch (e) { return; }
    const q = filter.value.trim();
    if (q) list = list.filter((s) => s.state === q || s.id.includes(q) || s.image.includes(q)
      || Object.entries(s.labels || {}).some(([k, v]) => (k + '=' + v).includes(q)));
    list.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    count.textContent = list.length === 1 ? '1 sandbox' : list.length + ' sandboxes';
    fill(tbody, list.length ? list.map((s) => h('tr', { dataset: { id: s.id, state: s.state }, class: s.id === highlight ? 'new' : '' },
      h('td', {}, h('a', { href: '#/sandboxes/' + s.id, class: 'mono' }, s.id)),
      h('td', {}, stateBadge(s.state), s.stateReason ? h('div', { class: 'muted small' }, s.stateReason) : ''),
      h('td', {}, s.image, s.desktop ? h('span', { class: 'chip' }, 'desktop') : '',
        s.browserId ? h('span', { class: 'chip', title: 'the sandbox of browser session ' + s.browserId }, 'browser') : ''),
      h('td', { title: s.createdAt }, age(s.createdAt)),
      h('td', {}, limitsText(s.limits)),
      h('td', {}, labels(s.labels)),
      h('td', {}, sandboxActions(s, () => timer.now())))) : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No sandboxes.')));
  };
  const form = createForm((s) => { highlight = s.id; timer.now(); });
  fill(root,
    h('div', { class: 'bar' }, h('h1', {}, 'Sandboxes'), count, filter),
    h('table', { class: 'grid', id: 'sandboxes' },
      h('thead', {}, h('tr', {}, ['Id', 'State', 'Image', 'Age', 'Limits', 'Labels', ''].map((t) => h('th', {}, t)))), tbody),
    form);
  filter.addEventListener('input', () => timer.now());
  const timer = poll(refresh, 1500);
  return { stop: () => timer.stop() };
}

/** A fresh Idempotency-Key (getRandomValues works on plain-HTTP pages too, unlike randomUUID). */
function randomKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'dashboard-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function createForm(created) {
  const image = h('input', { name: 'image', placeholder: 'base' });
  const memory = h('input', { name: 'memoryMb', type: 'number', min: 16, placeholder: 'default' });
  const cpus = h('input', { name: 'cpus', type: 'number', min: 0.1, step: 0.1, placeholder: 'default' });
  const pids = h('input', { name: 'pids', type: 'number', min: 1, placeholder: 'default' });
  const idle = h('input', { name: 'idleTimeoutSeconds', type: 'number', min: 0, placeholder: 'default' });
  const lbls = h('input', { name: 'labels', placeholder: 'team=ml, purpose=demo' });
  const desktop = h('input', { name: 'desktop', type: 'checkbox' });
  const dw = h('input', { name: 'desktopWidth', type: 'number', value: 1280, min: 320 });
  const dh = h('input', { name: 'desktopHeight', type: 'number', value: 720, min: 200 });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create sandbox');
  const form = h('form', { class: 'create', id: 'create-sandbox', novalidate: true },
    h('h2', {}, 'New sandbox'),
    h('div', { class: 'fields' }, field('Image', image), field('Memory (MiB)', memory), field('CPUs', cpus), field('Pids', pids),
      field('Idle timeout (s)', idle), field('Labels', lbls)),
    h('div', { class: 'fields' }, h('label', { class: 'check' }, desktop, ' Desktop (VNC)'), field('Width', dw), field('Height', dh)),
    submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
    const body = {};
    if (image.value.trim()) body.image = image.value.trim();
    const limits = {};
    if (memory.value) limits.memoryMb = Number(memory.value);
    if (cpus.value) limits.cpus = Number(cpus.value);
    if (pids.value) limits.pids = Number(pids.value);
    if (Object.keys(limits).length) body.limits = limits;
    if (idle.value) body.idleTimeoutSeconds = Number(idle.value);
    if (lbls.value.trim()) {
      body.labels = {};
      for (const pair of lbls.value.split(',').map((p) => p.trim()).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          lbls.classList.add('invalid');
          showError({ title: 'Invalid input', detail: `labels are name=value pairs separated by commas, got '${pair}'`, field: 'labels' });
          return;
        }
        body.labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
    }
    if (desktop.checked) body.desktop = { width: Number(dw.value), height: Number(dh.value) };
    submit.disabled = true;
    submit.textContent = 'Creating…';
    try {
      const s = await post('/v1/sandboxes', body, { idempotencyKey: randomKey() });
      created(s);
    } catch (e) {
      if (e.field) {
        const name = e.field.split('.').pop();
        const el = form.querySelector(`[name="${name}"]`) || form.querySelector(`[name="${e.field.split('.')[0]}"]`);
        el?.classList.add('invalid');
      }
    } finally {
      submit.disabled = false;
      submit.textContent = 'Create sandbox';
    }
  });
  return form;
}
