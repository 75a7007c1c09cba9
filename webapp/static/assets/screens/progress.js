// Progress and outcome: the removal followed live (waiting reads) until it
// ends; "Canal removido" once the channel is tombstoned.
import { api, removalPath } from '../api.js';
import { h, fmtDate, announce } from '../ui.js';
import { statusText, outcomeText, metaUnlinkLabel, numberLabel, overrideLabel, wabaOverrideLabel, creditLineLabel } from '../labels.js';
import { beginWait, later, reroute, show, stillWaiting } from '../screen.js';
import { running, showRemoval } from './removal.js';
import { retentionText } from './data.js';

export function progressScreen(r, head) {
  const done = !running.includes(r.status);
  const removed = ['unlinking', 'completed', 'completed_with_warnings'].includes(r.status) ||
    (r.status === 'removing' && r.meta_unlink && r.meta_unlink.status !== 'not_started');
  const outcome = outcomeText[r.status];
  const mu = r.meta_unlink || {};
  const num = mu.number || null;
  const ovr = mu.override || null;
  const status = statusText(r.status);
  show(status, ...head,
    h('section', { class: 'card', 'aria-live': 'polite' },
      h('h1', null, removed ? 'Canal removido' : status),
      !done ? h('p', null, h('strong', null, status), '… esta página se atualiza sozinha.') : null,
      removed ? h('p', { class: 'success' }, `"${(r.impact && r.impact.channel_name) || 'O canal'}" foi removido: não recebe nem envia mensagens, e suas conversas continuam visíveis, marcadas como de canal removido.`) : null,
      ['completed', 'completed_with_warnings'].includes(r.status) ? h('p', { class: 'muted' }, 'Todos os administradores da conta recebem um aviso desta remoção por e-mail.') : null,
      outcome ? h('p', { class: r.status === 'cancelled' ? 'notice' : 'error' }, outcome) : null,
      (r.reasons || []).length ? h('ul', null, r.reasons.map((x) => h('li', null, x.message))) : null,
      r.status === 'completed_with_warnings' ? h('div', { class: 'notice' },
        h('p', null, h('strong', null, 'Removido com avisos: '), num && num.status === 'failed' && !mu.last_error
          ? 'o canal foi removido, mas a Meta não liberou o número.'
          : 'o canal foi removido, mas a Meta não confirmou o desvínculo do nosso aplicativo.'),
        mu.last_error ? h('p', null, `Motivo: ${mu.last_error}`) : null,
        num && num.last_error ? h('p', null, `Número: ${num.last_error}`) : null,
        ovr && ovr.last_error ? h('p', null, `Redirecionamento de webhook: ${ovr.last_error}`) : null,
        mu.credit_line && mu.credit_line.last_error ? h('p', null, mu.credit_line.last_error) : null,
        h('p', null, 'A equipe de operações pode tentar o desvínculo de novo (sinal retry-unlink) enquanto o prazo estiver aberto; nada mais é necessário da sua parte.')) : null,
      (r.notes || []).filter((n) => !n.startsWith('Sinal ')).map((n) => h('p', { class: 'notice' }, n)),
      h('dl', { class: 'facts' },
        h('dt', null, 'Situação'), h('dd', null, status),
        h('dt', null, 'Desvínculo na Meta'), h('dd', null, metaUnlinkLabel[mu.status] || mu.status || '—'),
        num ? [h('dt', null, 'Número na Meta'), h('dd', null, numberLabel[num.status] || num.status,
          r.status === 'completed' && num.last_error ? `: ${num.last_error}` : '')] : null,
        ovr ? [h('dt', null, 'Redirecionamento de webhook do número'), h('dd', null, overrideLabel[ovr.status] || ovr.status)] : null,
        mu.credit_line ? [h('dt', null, 'Linha de crédito compartilhada'), h('dd', null, creditLineLabel[mu.credit_line.status] || mu.credit_line.status)] : null,
        mu.waba_override ? [h('dt', null, 'Redirecionamento de webhook da WABA'), h('dd', null, wabaOverrideLabel[mu.waba_override] || mu.waba_override)] : null,
        r.retention ? [h('dt', null, 'Histórico de conversas'), h('dd', { id: 'retention' }, retentionText(r.retention))] : null,
        h('dt', null, 'Iniciada'), h('dd', null, fmtDate(r.created_at)),
        r.completed_at ? [h('dt', null, 'Concluída'), h('dd', null, fmtDate(r.completed_at))] : null),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/canais/${r.channel_id}/conversas` }, 'Conversas'),
        h('a', { class: 'button', href: '#/canais' }, 'Canais de Atendimento'),
        h('a', { class: 'button', href: `#/historico/${r.id}` }, 'Histórico de remoções'))));
  announce(removed ? 'Canal removido' : status);
  if (!done || r.status === 'completed_with_warnings') awaitChange(r);
}

// awaitChange asks the server to answer once the removal's status is no
// longer r's (a waiting read, up to 25 s), then shows the removal as it is
// then: each step appears the moment it is written. Should the read fail,
// the screen reads again a few seconds later; should it come back at once
// unchanged (a server that does not wait), the next one waits a second.
async function awaitChange(r) {
  const ctl = beginWait();
  const asked = Date.now();
  let next;
  try {
    next = await api('GET', `${removalPath(r.id)}?status=${encodeURIComponent(r.status)}&wait=25`, undefined, ctl.signal);
  } catch (err) {
    if (stillWaiting(ctl)) later(reroute, 3000);
    return;
  }
  if (!stillWaiting(ctl)) return; // the admin left this screen meanwhile
  if (next.status === r.status && Date.now() - asked < 1000) later(() => showRemoval(next), 1000);
  else showRemoval(next);
}
