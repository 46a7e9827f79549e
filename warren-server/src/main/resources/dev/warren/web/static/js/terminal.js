// An interactive terminal: xterm.js over the sandbox's PTY WebSocket. Keystrokes go out as binary
// frames, resizes as {"type":"resize"} text frames; the terminal's output comes back binary.
import { Terminal } from '/ui/vendor/xterm/xterm.mjs';
import { FitAddon } from '/ui/vendor/xterm/addon-fit.mjs';
import { h, fill } from './dom.js';
import { wsUrl, enc } from './api.js';

export function mountTerminal(body, id) {
  const status = h('span', { class: 'term-status', id: 'terminal-status', dataset: { state: 'connecting' } }, 'connecting…');
  const reconnect = h('button', { type: 'button', hidden: true }, 'Reconnect');
  // not class 'terminal': xterm.js gives its own element that class, which would take this box's height and padding too
  const screen = h('div', { class: 'terminal-box', id: 'terminal' });
  fill(body, h('div', { class: 'bar' }, status, reconnect), screen);
  const term = new Terminal({
    cursorBlink: true, fontSize: 14, scrollback: 5000, convertEol: false,
    // at the default line height (1) DejaVu Sans Mono's underscore falls below the 16 px row and is clipped: `_` vanished
    lineHeight: 1.2,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    theme: { background: '#101418' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  fit.fit();
  const encoder = new TextEncoder();
  let ws = null;
  let stopped = false;

  const setStatus = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };
  const connect = () => {
    reconnect.hidden = true;
    setStatus('connecting', 'connecting…');
    ws = new WebSocket(wsUrl(`/v1/sandboxes/${enc(id)}/pty?cols=${term.cols}&rows=${term.rows}`));
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      setStatus('open', 'connected');
      term.focus();
    };
    ws.onmessage = (e) => term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data));
    ws.onclose = (e) => {
      if (stopped) return;
      setStatus('closed', `closed (${e.code})${e.reason ? ': ' + e.reason : ''}`);
      reconnect.hidden = false;
    };
  };
  const send = (data) => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(data);
  };
  term.onData((d) => send(encoder.encode(d)));
  term.onBinary((d) => send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
  term.onResize(({ cols, rows }) => send(JSON.stringify({ type: 'resize', cols, rows })));
  reconnect.addEventListener('click', () => { term.reset(); connect(); });
  const resized = new ResizeObserver(() => { try { fit.fit(); } catch (e) { /* hidden */ } });
  resized.observe(screen);
  connect();
  return {
    stop() {
      stopped = true;
      resized.disconnect();
      if (ws) ws.close(1000, 'page left');
      term.dispose();
    },
  };
}
