// A job's stdout and stderr: read whole when it is done, followed live over the logs' SSE stream while it runs.
import { h, fill, duration, stateBadge } from './dom.js';
import { get, bytes, followEvents, enc } from './api.js';

const SHOWN = 1024 * 1024;

export function jobOutput(el, sessionBase, cid, changed) {
  const path = `${sessionBase}/commands/${enc(cid)}`;
  const status = h('div', { class: 'job-status' });
  const out = h('pre', { class: 'stream stdout', id: 'job-stdout' });
  const err = h('pre', { class: 'stream stderr', id: 'job-stderr' });
  fill(el, status, h('div', { class: 'streams' },
    h('div', {}, h('h3', {}, 'stdout'), out), h('div', {}, h('h3', {}, 'stderr'), err)));
  const abort = new AbortController();
  const show = (c) => fill(status, h('span', { class: 'mono' }, c.command), ' ', stateBadge(c.state),
    c.exitCode !== null && c.exitCode !== undefined ? h('span', { class: 'exit' }, ' exit ' + c.exitCode) : '',
    c.durationMs !== null ? ' · ' + duration(c.durationMs) : '', c.reason ? ' · ' + c.reason : '');

  const whole = async (stream, pre) => {
    const r = await bytes(`${path}/logs?stream=${stream}&limit=${SHOWN}`);
    pre.textContent = new TextDecoder().decode(r.data);
    const size = Number(r.headers.get('X-Warren-Next-Offset'));
    return size;
  };
  const follow = (stream, pre) => {
    const text = new TextDecoder();
    let shown = 0;
    return followEvents(`${path}/logs?stream=${stream}&follow=true`, (type, data) => {
      if (type === 'output') {
        const bin = atob(data);
        const b = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
        if (shown < SHOWN) pre.append(text.decode(b, { stream: true }));
        shown += b.length;
        pre.scrollTop = pre.scrollHeight;
      } else if (type === 'exit') {
        show(JSON.parse(data));
        changed();
      }
    }, abort.signal);
  };

  (async () => {
    let c;
    try { c = await get(`${path}?output=false`); } catch (e) { fill(status, 'Cannot read this job.'); return; }
    show(c);
    try {
      if (c.state === 'finished' || c.state === 'lost') {
        const [o, e] = await Promise.all([whole('stdout', out), whole('stderr', err)]);
        if (o > SHOWN || e > SHOWN) status.append(h('div', { class: 'muted' }, 'Only the first MiB of each stream is shown.'));
      } else {
        el.classList.add('following');
        await Promise.all([follow('stdout', out), follow('stderr', err)]);
        el.classList.remove('following');
      }
    } catch (e) {
      if (e.name !== 'AbortError') status.append(h('div', { class: 'muted' }, 'Output unavailable: ' + (e.detail || e.message)));
    }
  })();
  return { stop: () => abort.abort() };
}
