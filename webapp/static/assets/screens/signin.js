// Sign-in: E-mail, Senha, Entrar.
import { api } from '../api.js';
import { h } from '../ui.js';
import { act, go, session, show } from '../screen.js';

export async function loadMe() {
  session.me = await api('GET', '/v1/session');
  const bar = document.getElementById('topbar');
  bar.hidden = false;
  document.getElementById('who').textContent = `${session.me.name} (${session.me.role === 'admin' ? 'administrador' : 'atendente'})`;
}

export function signIn(next) {
  document.getElementById('topbar').hidden = true;
  // A refusal is announced (role=alert) and tied to both fields.
  const msg = h('div', { id: 'signin-error' });
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true, 'aria-describedby': 'signin-error' });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'signin-error' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Entrar');
  const form = h('form', { class: 'card signin', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    act(button, msg, async () => {
      await api('POST', '/v1/session', { email: email.value, password: password.value });
      await loadMe();
      go(next && next !== '#/entrar' ? next : '#/ajustes/conta');
    }, () => { password.value = ''; password.focus(); });
  } },
  h('h1', null, 'Entrar no CRM'),
  h('label', { for: 'email' }, 'E-mail'), email,
  h('label', { for: 'password' }, 'Senha'), password,
  msg,
  h('div', { class: 'actions' }, button));
  show('Entrar', form);
}
