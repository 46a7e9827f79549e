// The dashboard's router: #/sandboxes, #/sandboxes/{id}[/sessions/{sid}[/commands/{cid}]|/terminal|/ports|/desktop],
// #/browsers[/{id}], #/events. Each view mounts into #view and returns {stop()}; leaving a view stops
// its polling, streams and sockets.
import { sandboxesView } from './sandboxes.js';
import { sandboxView } from './sandbox.js';
import { browsersView, browserView } from './browsers.js';
import { eventsView } from './events.js';
import { startHandoffs } from './handoffs.js';

const routes = [
  [/^#\/sandboxes\/?$/, () => sandboxesView],
  [/^#\/sandboxes\/([\w-]+)(?:\/(sessions|terminal|ports|desktop))?(?:\/([\w-]+))?(?:\/commands\/([\w-]+))?\/?$/, () => sandboxView],
  [/^#\/browsers\/?$/, () => browsersView],
  [/^#\/browsers\/([\w-]+)\/?$/, () => browserView],
  [/^#\/events\/?$/, () => eventsView],
];

let current = null;

function route() {
  const hash = location.hash || '#/sandboxes';
  if (current) {
    try { current.stop(); } catch (e) { console.error(e); }
    current = null;
  }
  const view = document.getElementById('view');
  view.replaceChildren();
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.classList.toggle('active', hash.startsWith('#/' + a.dataset.nav));
  }
  for (const [re, make] of routes) {
    const m = hash.match(re);
    if (m) {
      current = make()(view, m.slice(1));
      return;
    }
  }
  location.hash = '#/sandboxes';
}

window.addEventListener('hashchange', route);
route();
startHandoffs(document.getElementById('handoffs'));
window.warrenStarted = true;
