// A desktop sandbox's screen: noVNC over the sandbox's VNC WebSocket (binary RFB frames).
import RFB from '/ui/vendor/novnc/core/rfb.js';
import { h, fill } from './dom.js';
import { wsUrl, enc, post } from './api.js';

export function mountDesktop(body, sandbox) {
  const status = h('span', { class: 'term-status', id: 'desktop-status', dataset: { state: 'connecting' } }, 'connecting…');
  const reconnect = h('button', { type: 'button', hidden: true }, 'Reconnect');
  const viewOnly = h('input', { type: 'checkbox' });
  const screen = h('div', { class: 'desktop', id: 'desktop' });
  fill(body, h('div', { class: 'bar' }, status, reconnect, h('label', { class: 'check' }, viewOnly, ' view only')), screen);
  // the VNC socket takes a signed token bound to this sandbox (not the dashboard's cookie): a fresh one
  // for every connection, on this page's own origin (the server's URL names the host it was asked on)
  const signedUrl = async () => {
    const answer = await post(`/v1/sandboxes/${enc(sandbox.id)}/vnc-url`, { ttlSeconds: 3600 }, { quiet: true });
    const u = new URL(answer.url);
    return wsUrl(u.pathname + u.search);
  };
  let rfb = null;
  let stopped = false;
  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  const connect = async () => {
    reconnect.hidden = true;
    screen.replaceChildren();
    setStatus('connecting', 'connecting…');
    try {
      const url = await signedUrl();
      if (stopped) return;
      rfb = new RFB(screen, url, { shared: true });
    } catch (e) {
      setStatus('closed', 'cannot open the VNC view: ' + e.message);
      reconnect.hidden = false;
      return;
    }
    rfb.scaleViewport = true;
    rfb.viewOnly = viewOnly.checked;
    rfb.addEventListener('connect', () => setStatus('open', 'connected'));
    rfb.addEventListener('desktopname', (e) => { status.title = e.detail.name; });
    rfb.addEventListener('disconnect', (e) => {
      if (stopped) return;
      setStatus('closed', e.detail.clean ? 'disconnected' : 'connection lost');
      reconnect.hidden = false;
    });
    rfb.addEventListener('securityfailure', (e) => setStatus('closed', 'refused: ' + (e.detail.reason || e.detail.status)));
  };
  viewOnly.addEventListener('change', () => { if (rfb) rfb.viewOnly = viewOnly.checked; });
  reconnect.addEventListener('click', connect);
  connect();
  return {
    stop() {
      stopped = true;
      try { rfb?.disconnect(); } catch (e) { /* already closed */ }
    },
  };
}
