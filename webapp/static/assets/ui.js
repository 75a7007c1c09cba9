// Small DOM helpers: every text goes in as a text node, never as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function errorBox(err, extra) {
  return h('div', { class: 'error', role: 'alert' }, h('p', null, err.message), extra || null);
}

const dateFmt = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'medium' });
export const fmtDate = (s) => (s ? dateFmt.format(new Date(s)) : '—');

// maskEmail shows where the code went without the whole address: a****@demo.local.
export function maskEmail(email) {
  if (!email || !email.includes('@')) return email || '';
  const [user, domain] = email.split('@');
  return user.slice(0, 1) + '*'.repeat(Math.max(3, user.length - 1)) + '@' + domain;
}

export function announce(text) {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}
