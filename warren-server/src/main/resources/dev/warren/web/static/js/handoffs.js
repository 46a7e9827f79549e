// "Requests for a human": browser sessions waiting for someone to take over (GET /v1/handoffs?state=waiting),
// polled every 3 s on every page. A server without hand-offs answers 404: the panel stays hidden and polling stops.
import { h, fill } from './dom.js';
import { get, post, enc } from './api.js';

export function startHandoffs(panel) {
  let timer = null;
  const refresh = async () => {
    let list;
    try {
      list = (await get('/v1/handoffs?state=waiting', { quiet: true })).handoffs || [];
    } catch (e) {
      if (e.status === 404) {
        panel.hidden = true;
        return; // no hand-offs on this server: stop asking
      }
      timer = setTimeout(refresh, 3000);
      return;
    }
    panel.hidden = list.length === 0;
    fill(panel, list.length ? [h('h2', {}, 'Requests for a human'), h('ul', {}, list.map((r) => h('li', { dataset: { id: r.id } },
      h('a', { href: '#/browsers/' + r.browserId, class: 'mono' }, r.browserId), ': ', r.reason || 'needs a person',
      r.liveViewUrl ? [' · ', h('a', { href: r.liveViewUrl, target: '_blank', rel: 'noopener' }, 'open live view')] : '',
      ' ', h('button', { type: 'button', onclick: async (ev) => {
        ev.target.disabled = true;
        try { await post(`/v1/browsers/${enc(r.browserId)}/handoffs/${enc(r.id)}/complete`, {}); } catch (e) { /* shown */ }
        clearTimeout(timer);
        refresh();
      } }, 'Done'))))] : []);
    timer = setTimeout(refresh, 3000);
  };
  refresh();
}
