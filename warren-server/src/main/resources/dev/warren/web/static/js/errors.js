// The error banner: problem titles, details and the offending field, dismissed by hand or after a while.
import { h } from './dom.js';

const box = () => document.getElementById('errors');

export function showError(err) {
  const title = err.title || 'Error';
  const detail = err.detail || err.message || '';
  const item = h('div', { class: 'error-item' },
    h('strong', {}, title), detail ? ': ' + detail : '',
    err.field ? h('span', { class: 'field' }, ' (field ', h('code', {}, err.field), ')') : '',
    h('button', { type: 'button', class: 'link close', 'aria-label': 'dismiss', onclick: () => item.remove() }, '×'));
  box().append(item);
  while (box().children.length > 4) box().firstElementChild.remove();
  setTimeout(() => item.remove(), 12000);
}

let signedOut = false;

/** The session is gone (expired, logged out, controller lost it): say so once and link to /login. */
export function showSignedOut() {
  if (signedOut) return;
  signedOut = true;
  box().append(h('div', { class: 'error-item signed-out' },
    h('strong', {}, 'Signed out'), ': the dashboard session is no longer valid. ', h('a', { href: '/login' }, 'Log in again')));
}
