// Validation (the article's step 5): the code e-mailed to the account's
// administrator, a resend that counts down from Retry-After, and cancel.
import { api, removalPath } from '../api.js';
import { h, errorBox, fmtDate, maskEmail } from '../ui.js';
import { count } from '../labels.js';
import { act, later, reroute, show } from '../screen.js';
import { cancelButton, showRemoval } from './removal.js';

const helpText = (r, attemptsLeft) =>
  `Enviado para ${maskEmail(r.code_sent_to)}. Vale até ${fmtDate(r.code_expires_at)}; ${count(attemptsLeft, 'tentativa restante', 'tentativas restantes')}.`;

export function codeScreen(r, head) {
  const msg = h('div');
  const input = h('input', { type: 'text', id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10, 'aria-describedby': 'code-help' });
  const cont = h('button', { type: 'submit', class: 'primary' }, 'Continuar');
  const resend = h('button', { type: 'button' }, 'Reenviar código');
  const countdown = h('span', { class: 'muted', 'aria-live': 'polite' });
  const help = h('p', { id: 'code-help', class: 'muted' }, helpText(r, r.attempts_left));
  let left = 0;
  const tick = () => {
    if (left > 0) {
      resend.disabled = true;
      countdown.textContent = ` Você poderá pedir um novo código em ${left} s.`;
      left -= 1;
      later(tick, 1000);
    } else {
      resend.disabled = false;
      countdown.textContent = '';
    }
  };
  resend.addEventListener('click', async () => {
    const sent = await act(resend, msg, () => api('POST', removalPath(r.id) + '/resend-code'), (err) => {
      if (err.code !== 'resend_too_soon') return;
      left = err.retryAfter || err.body.retry_after || 60;
      msg.replaceChildren(errorBox(err));
      tick();
    });
    if (sent) {
      msg.replaceChildren(h('p', { class: 'success', role: 'status' }, `Enviamos um novo código para ${maskEmail(r.code_sent_to)}. O código anterior deixou de valer.`));
      resend.disabled = false;
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
  input.focus();
}
