// What every screen shares: the signed-in user, drawing into <main>,
// navigation, the screen's timers and waiting read, and how an action's
// button and message box behave.
import { h, errorBox } from './ui.js';
import { attendanceText } from './labels.js';

const main = document.getElementById('main');

// session.me is the signed-in user (GET /v1/session), null when signed out.
export const session = { me: null };

let timers = [];
let waiting = null; // the AbortController of the screen's waiting read
let router = () => {};

// onRoute sets what go() runs when the hash does not change.
export function onRoute(fn) { router = fn; }

export function go(hash) {
  if (location.hash === hash) router(); else location.hash = hash;
}

// reroute draws the current screen again.
export const reroute = () => router();

// stopScreen ends what the screen left running: its timers and waiting read.
export function stopScreen() {
  timers.forEach((t) => clearTimeout(t));
  timers = [];
  if (waiting) { waiting.abort(); waiting = null; }
}

export function later(fn, ms) { const t = setTimeout(fn, ms); timers.push(t); return t; }

// beginWait starts the screen's waiting read; stillWaiting(ctl) says, once it
// answers, whether the screen that asked is still the one shown.
export function beginWait() { waiting = new AbortController(); return waiting; }
export function stillWaiting(ctl) {
  if (waiting !== ctl) return false;
  waiting = null;
  return true;
}

// show draws a screen. A new screen moves focus to its heading, so a
// keyboard or screen-reader user starts there; the same screen drawn again
// (a status that moved on) leaves focus alone unless it was inside what was
// replaced.
export function show(title, ...content) {
  const fresh = document.title !== title + ' · CRM';
  const hadFocus = main.contains(document.activeElement);
  document.title = title + ' · CRM';
  main.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  if (!fresh && !hadFocus) return;
  const heading = main.querySelector('h1');
  if (!heading) { main.focus(); return; }
  heading.tabIndex = -1;
  heading.focus();
}

export function crumbs(...items) {
  return h('p', { class: 'crumbs' }, items.flatMap((it, i) => [i ? ' › ' : '', it.href ? h('a', { href: it.href }, it.text) : it.text]));
}

// problemDetails is what a problem adds to its message on screen.
export function problemDetails(err) {
  if (err.code === 'active_attendances') {
    return h('div', null, h('p', null, 'Encerre estes atendimentos antes de remover o canal:'),
      h('ul', null, (err.body.active_attendances || []).map((a) => h('li', null, attendanceText(a)))));
  }
  if (err.code === 'removal_in_progress' && err.body.id) {
    return h('p', null, h('a', { href: `#/remocoes/${err.body.id}` }, 'Abrir a remoção em andamento'));
  }
  if (err.code === 'invalid_code' && err.body.attempts_left !== undefined) {
    return h('p', null, `Tentativas restantes: ${err.body.attempts_left}`);
  }
  if (err.code === 'too_many_attempts' && err.retryAfter) {
    return h('p', null, `Tente de novo em ${err.retryAfter} s.`);
  }

  return null;
}

// act runs an action's request for its button: it clears msg, disables the
// button while the request runs and, if it fails, shows the problem in msg,
// gives the button back and calls onError. It says whether fn succeeded.
// A button disabled while it has focus drops it (to the page's body): it
// gets it back once usable again, so a keyboard user stays where they were.
export async function act(button, msg, fn, onError) {
  msg.replaceChildren();
  const focused = button && document.activeElement === button;
  if (button) button.disabled = true;
  try {
    await fn();
    return true;
  } catch (err) {
    msg.replaceChildren(errorBox(err, problemDetails(err)));
    if (button) button.disabled = false;
    if (focused && button.isConnected && document.activeElement === document.body) button.focus();
    if (onError) onError(err);
    return false;
  }
}
