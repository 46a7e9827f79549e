// Warren live view of a browser session: draws the screencast on a canvas, acknowledging a frame when
// it starts decoding it (the server then sends the newest one, which waits here until this one is
// drawn: at most one frame decodes and one waits, so a slow viewer never builds a backlog), sends
// input while this viewer holds control, and follows restarts: on close code 4001 (generation
// changed) it reconnects at once, without reloading the page. Other closes show their reason; a lost
// connection (1001, 1006: the controller restarting) is retried a bounded number of times.
(() => {
  'use strict';
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || '';
  const target = decodeURIComponent(location.pathname.split('/').pop());
  // the id this page asks for; the server answers with the id it got (another if that one belongs to another token)
  let viewer = params.get('viewer') || sessionStorage.getItem('warren.viewer.' + target) || ('v-' + randomId());
  sessionStorage.setItem('warren.viewer.' + target, viewer);

  const $ = id => document.getElementById(id);
  const canvas = $('screen');
  const g = canvas.getContext('2d');
  const GENERATION_CHANGED = 4001;
  const RETRIED = new Set([1001, 1006, 1012]);
  const MAX_RETRIES = 30;

  // what the page knows; also read by tests and by a page embedding this one
  const live = window.warrenLive = {
    viewer, target, generation: null, control: 'view', holder: null, handoff: null,
    frames: 0, framesSinceHello: 0, lastSeq: 0, connects: 0, status: '', closes: [], ended: false,
  };
  let ws = null;
  let retries = 0;
  let restarts = [];
  let closing = null;
  let frameW = 0;
  let frameH = 0;

  function randomId() {
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    return Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
  }

  function tell(type, extra) {
    if (window.parent !== window) {
      window.parent.postMessage({ warrenLive: Object.assign({ type, target, viewer, generation: live.generation, holder: live.holder }, extra) }, '*');
    }
  }

  function status(text) {
    live.status = text;
    $('status').textContent = text;
    tell('status', { text });
  }

  function connect() {
    closing = null;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = proto + '//' + location.host + '/v1/browsers/' + encodeURIComponent(target) + '/live?viewer='
      + encodeURIComponent(viewer) + '&token=' + encodeURIComponent(token);
    const sock = new WebSocket(url);
    ws = sock;
    live.connects++;
    live.ended = false;
    document.body.classList.remove('ended');
    $('retry').hidden = true;
    sock.onmessage = e => {
      let m;
      try {
        m = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      handle(m, sock);
    };
    sock.onclose = e => {
      if (sock === ws) {
        closed(e);
      }
    };
  }

  function handle(m, sock) {
    switch (m.type) {
      case 'hello':
        if (m.viewer && m.viewer !== viewer) {
          viewer = live.viewer = m.viewer;
          sessionStorage.setItem('warren.viewer.' + target, viewer);
        }
        retries = 0;
        live.framesSinceHello = 0;
        live.generation = m.generation;
        live.control = m.control;
        setHolder(m.holder);
        showHandoff(m.handoff);
        status('live: ' + m.target + ', generation ' + m.generation + (m.control === 'view' ? ' (view only)' : ''));
        tell('hello', {});
        break;
      case 'frame':
        draw(m, sock);
        break;
      case 'control':
        setHolder(m.holder);
        if (m.previous === viewer && m.holder !== viewer) {
          status('control was taken over by ' + (m.holder || 'nobody'));
        }
        tell('control', { previous: m.previous });
        break;
      case 'status':
        status(m.text);
        break;
      case 'page':
        $('page').textContent = m.title || m.url || '';
        $('page').title = m.url || '';
        break;
      case 'handoff':
        showHandoff(m);
        break;
      case 'closing':
        closing = m;
        break;
      case 'error':
        status(m.message);
        break;
      default:
        break;
    }
  }

  let decoding = false;
  let waiting = null;

  function draw(m, sock) {
    if (decoding) {
      waiting = { m, sock };
      return;
    }
    decoding = true;
    if (sock.readyState === WebSocket.OPEN) {
      sock.send(JSON.stringify({ type: 'ack', seq: m.seq }));
    }
    const img = new Image();
    const done = () => {
      decoding = false;
      if (waiting) {
        const next = waiting;
        waiting = null;
        draw(next.m, next.sock);
      }
    };
    img.onload = () => {
      if (canvas.width !== img.naturalWidth || canvas.height !== img.naturalHeight) {
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
      }
      g.drawImage(img, 0, 0);
      frameW = m.width;
      frameH = m.height;
      live.frames++;
      live.framesSinceHello++;
      live.lastSeq = m.seq;
      live.lastFrameAt = performance.now();
      done();
    };
    img.onerror = done;
    img.src = 'data:image/jpeg;base64,' + m.data;
  }

  function closed(e) {
    const reason = closing && closing.code === e.code ? closing.reason : (e.reason || '');
    live.closes.push({ code: e.code, reason });
    tell('closed', { code: e.code, reason });
    if (e.code === GENERATION_CHANGED) {
      const now = Date.now();
      restarts = restarts.filter(t => now - t < 60000);
      restarts.push(now);
      if (restarts.length > 30) {
        stop('more than 30 restarts in a minute; not following any more (' + reason + ')');
        return;
      }
      status('restarted: ' + reason + '; reconnecting');
      connect();
      return;
    }
    if (RETRIED.has(e.code) && retries < MAX_RETRIES) {
      retries++;
      status('connection lost' + (reason ? ' (' + reason + ')' : '') + '; reconnecting, try ' + retries + ' of ' + MAX_RETRIES);
      setTimeout(connect, Math.min(2000, 200 * retries));
      return;
    }
    stop((reason || 'the connection closed') + ' [' + e.code + ']');
  }

  function stop(text) {
    live.ended = true;
    document.body.classList.add('ended');
    status('stopped: ' + text);
    $('retry').hidden = false;
  }

  function setHolder(h) {
    live.holder = h || null;
    const mine = live.holder === viewer;
    $('holder').textContent = mine ? 'you have control' : live.holder ? live.holder + ' has control' : 'nobody has control';
    $('take').hidden = live.control !== 'control' || mine;
    $('release').hidden = !mine;
    $('handback').hidden = !(live.handoff && live.control === 'control');
    document.body.classList.toggle('control', mine);
  }

  function showHandoff(h) {
    const open = h && (h.state === 'waiting' || h.state === 'in-progress');
    live.handoff = open ? h : null;
    $('handoff').hidden = !open;
    if (open) {
      $('handoff-text').textContent = 'The agent asks for help: ' + h.reason;
    } else if (h && h.state === 'done') {
      status('handed back to the agent' + (h.detail ? ': ' + h.detail : ''));
    }
    $('handback').hidden = !(open && live.control === 'control');
  }

  function send(m) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(m));
    }
  }

  function holding() {
    return live.control === 'control' && live.holder === viewer && ws && ws.readyState === WebSocket.OPEN;
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    const w = frameW || canvas.width;
    const h = frameH || canvas.height;
    const x = Math.max(0, Math.min(w, (e.clientX - r.left) * w / r.width));
    const y = Math.max(0, Math.min(h, (e.clientY - r.top) * h / r.height));
    return { x, y };
  }

  function modifiers(e) {
    return (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);
  }

  const BUTTONS = ['left', 'middle', 'right', 'back', 'forward'];

  function mouse(event, e) {
    if (!holding()) {
      return;
    }
    e.preventDefault();
    const p = point(e);
    send({ type: 'mouse', event, x: p.x, y: p.y, button: event === 'move' ? (e.buttons & 1 ? 'left' : 'none') : (BUTTONS[e.button] || 'left'),
      buttons: e.buttons, clickCount: event === 'move' ? 0 : Math.max(1, Math.min(3, e.detail || 1)), modifiers: modifiers(e) });
  }

  let moved = null;
  canvas.addEventListener('mousedown', e => {
    canvas.focus();
    mouse('down', e);
  });
  canvas.addEventListener('mouseup', e => mouse('up', e));
  canvas.addEventListener('mousemove', e => {
    if (!holding()) {
      return;
    }
    if (moved === null) {
      requestAnimationFrame(() => {
        const last = moved;
        moved = null;
        mouse('move', last);
      });
    }
    moved = e;
  });
  canvas.addEventListener('wheel', e => {
    if (!holding()) {
      return;
    }
    e.preventDefault();
    const p = point(e);
    const scale = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
    send({ type: 'wheel', x: p.x, y: p.y, deltaX: e.deltaX * scale, deltaY: e.deltaY * scale, modifiers: modifiers(e) });
  }, { passive: false });
  canvas.addEventListener('contextmenu', e => {
    if (holding()) {
      e.preventDefault();
    }
  });

  function textOf(e) {
    if (e.ctrlKey || e.metaKey) {
      return '';
    }
    if (e.key === 'Enter') {
      return '\r';
    }
    return e.key.length === 1 ? e.key : '';
  }

  function key(event, e) {
    if (!holding()) {
      return;
    }
    if ((e.ctrlKey || e.metaKey) && (e.key === 'v' || e.key === 'V')) {
      return; // let the browser fire a paste event, sent as text below
    }
    e.preventDefault();
    send({ type: 'key', event, key: e.key, code: e.code, keyCode: e.keyCode || 0, text: event === 'down' ? textOf(e) : '',
      modifiers: modifiers(e), location: e.location || 0 });
  }

  canvas.addEventListener('keydown', e => key('down', e));
  canvas.addEventListener('keyup', e => key('up', e));
  document.addEventListener('paste', e => {
    if (!holding()) {
      return;
    }
    const text = e.clipboardData && e.clipboardData.getData('text');
    if (text) {
      e.preventDefault();
      send({ type: 'paste', text });
    }
  });

  $('take').addEventListener('click', () => {
    send({ type: 'take-control' });
    canvas.focus();
  });
  $('release').addEventListener('click', () => send({ type: 'release-control' }));
  $('retry').addEventListener('click', () => {
    retries = 0;
    connect();
  });
  $('handback').addEventListener('click', async () => {
    const h = live.handoff;
    if (!h) {
      return;
    }
    $('handback').disabled = true;
    status('handing back (saving the profile when the session keeps one)…');
    try {
      const r = await fetch('/v1/browsers/' + encodeURIComponent(target) + '/handoffs/' + encodeURIComponent(h.id) + '/complete?token='
        + encodeURIComponent(token), { method: 'POST' });
      const body = await r.json();
      if (!r.ok) {
        status('could not hand back: ' + (body.detail || r.status));
      } else {
        showHandoff(body);
        send({ type: 'release-control' });
      }
    } catch (err) {
      status('could not hand back: ' + err);
    } finally {
      $('handback').disabled = false;
    }
  });

  connect();
})();
