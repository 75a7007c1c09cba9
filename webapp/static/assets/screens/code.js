// Validation (the article's step 5): the code e-mailed to the account's
// administrator, a resend that counts down from Retry-After, and cancel.
import { api, removalPath } from '../api.js';
import { h, errorBox, fmtDate, maskEmail, announce } from '../ui.js';
import { count } from '../labels.js';
import { act, later, reroute, show } from '../screen.js';
import { cancelButton, showRemoval } from './removal.js';

const helpText = (r, attemptsLeft) =>
  `Enviado para ${maskEmail(r.code_sent_to)}. Vale até ${fmtDate(r.code_expires_at)}; ${count(attemptsLeft, 'tentativa restante', 'tentativas restantes')}.`;

export function codeScreen(r, head) {
  // The code field takes a pasted code (one-time-code lets the browser offer
  // it); its errors are announced (role=alert) and tied to it.
  const msg = h('div', { id: 'code-error' });
  const input = h('input', { type: 'text', id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10, 'aria-describedby': 'code-help code-error' });
  const cont = h('button', { type: 'submit', class: 'primary' }, 'Continuar');
  const resend = h('button', { type: 'button' }, 'Reenviar código');
  // The countdown is a timer (not read out every second); its end is
  // announced once. The resend button stays focusable while it waits, so
  // the countdown never moves the keyboard's focus.
  const countdown = h('span', { class: 'muted', role: 'timer', 'aria-atomic': 'true' });
  const help = h('p', { id: 'code-help', class: 'muted' }, helpText(r, r.attempts_left));
  let left = 0;
  const tick = () => {
    if (left > 0) {
      resend.setAttribute('aria-disabled', 'true');
      countdown.textContent = ` Você poderá pedir um novo código em ${left} s.`;
      left -= 1;
      later(tick, 1000);
    } else {
      resend.removeAttribute('aria-disabled');
      if (countdown.textContent) announce('Você já pode pedir um novo código.');
      countdown.textContent = '';
    }
  };
  resend.addEventListener('click', async () => {
    if (resend.getAttribute('aria-disabled') === 'true') return;
    const sent = await act(resend, msg, () => api('POST', removalPath(r.id) + '/resend-code'), (err) => {
      if (err.code !== 'resend_too_soon') return;
      left = err.retryAfter || err.body.retry_after || 60;
      msg.replaceChildren(errorBox(err));
      tick();
    });
    if (sent) {
      msg.replaceChildren(h('p', { class: 'success', role: 'status' }, `Enviamos um novo código para ${maskEmail(r.code_sent_to)}. O código anterior deixou de valer.`));
      resend.disabled = false;
      if (document.activeElement === document.body) resend.focus(); // act disabled it while the request ran
    }
  });
  const form = h('form', { novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    act(cont, msg, async () => showRemoval(await api('POST', removalPath(r.id) + '/verify', { code: input.value })), (err) => {
      if (err.code === 'invalid_code' && err.body.attempts_left !== undefined) help.textContent = helpText(r, err.body.attempts_left);
      if (['locked', 'code_expired', 'invalid_state'].includes(err.code)) later(reroute, 2500);
      else { input.select(); input.focus(); }
    });
  } },
  h('label', { for: 'code' }, 'Código de verificação'), input,
  help,
  msg,
  h('div', { class: 'actions' }, cont, resend, cancelButton(r, msg)), countdown);
  show('Validação', ...head,
    h('section', { class: 'card' },
      h('h1', null, 'Validação da remoção'),
      h('p', null, 'Para sua segurança, enviamos um código de verificação para o e-mail do administrador da conta: ', h('strong', null, maskEmail(r.code_sent_to)), '.'),
      form));
}
