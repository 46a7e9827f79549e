// Small DOM helpers shared by the dashboard's views.

/** h('tr', {class: 'x', onclick: fn, dataset: {id}}, child, 'text', [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "12s", "5m", "3h", "2d" since an ISO instant. */
export function age(iso) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + (s < 36000 ? ' ' + Math.floor((s % 3600) / 60) + 'm' : '');
  return Math.floor(s / 86400) + 'd';
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return ms + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  return Math.floor(ms / 60000) + 'm ' + Math.round((ms % 60000) / 1000) + 's';
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function stateBadge(state) {
  return h('span', { class: 'state state-' + state, dataset: { state } }, state);
}

export function labels(map) {
  return Object.entries(map || {}).map(([k, v]) => h('span', { class: 'chip' }, k + '=' + v));
}

/**
 * Runs fn now and then every ms after it finished, until stopped; skips ticks while the tab is
 * hidden. now() runs it at once, or right after the run in progress (never two at a time, so an
 * older answer cannot overwrite a newer one).
 */
export function poll(fn, ms) {
  let timer = null;
  let stopped = false;
  let running = false;
  let again = false;
  const tick = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    try {
      if (!document.hidden) await fn();
    } catch (e) {
      console.error(e);
    }
    running = false;
    if (stopped) return;
    if (again) {
      again = false;
      tick();
    } else {
      timer = setTimeout(tick, ms);
    }
  };
  tick();
  return {
    stop() { stopped = true; clearTimeout(timer); },
    now() { clearTimeout(timer); tick(); },
  };
}

/** A button that asks again before acting (no blocking confirm() dialog). */
export function confirmButton(label, action, cls = 'danger') {
  const b = h('button', { type: 'button', class: cls });
  b.textContent = label;
  let armed = null;
  b.addEventListener('click', async () => {
    if (!armed) {
      b.textContent = 'Really ' + label.toLowerCase() + '?';
      b.classList.add('armed');
      armed = setTimeout(() => { armed = null; b.textContent = label; b.classList.remove('armed'); }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    b.textContent = label;
    b.classList.remove('armed');
    await action();
  });
  return b;
}

/** Wraps an async action: disables the button while it runs. */
export function busy(button, action) {
  return async (ev) => {
    ev?.preventDefault?.();
    button.disabled = true;
    try { await action(); } finally { button.disabled = false; }
  };
}
