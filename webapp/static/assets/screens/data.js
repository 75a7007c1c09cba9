// The customer's data (SPEC §8): the export of a channel's conversations,
// the history's fate chosen on the alert, and the scheduled purge with the
// legal hold on the channel page.
import { api, Problem } from '../api.js';
import { h, fmtDate, announce, errorBox } from '../ui.js';
import { retentionLabel, count } from '../labels.js';
import { act, later, reroute, session } from '../screen.js';

const size = (n) => (n < 1e6 ? `${Math.max(1, Math.round(n / 1e3))} KB`
  : `${(n / 1e6).toLocaleString('pt-BR', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`);
const holds = (convs, msgs) => `${count(convs, 'conversa', 'conversas')} e ${count(msgs, 'mensagem', 'mensagens')}`;

// exportBox is the button `Exportar conversas` with its progress. The file is
// streamed from the server and counted as it arrives (bytes so far, in a
// status line), then saved: no copy of the conversations is kept on the
// server for a later download, which would be personal data at rest with a
// retention of its own.
export function exportBox(channelId) {
  const status = h('p', { class: 'muted', role: 'status', id: `export-status-${channelId}` });
  const msg = h('div');
  const button = h('button', { type: 'button', 'aria-describedby': status.id, onclick: () => act(button, msg, async () => {
    status.textContent = 'Preparando a exportação…';
    let res;
    try {
      res = await fetch(`/v1/channels/${channelId}/export`, { credentials: 'same-origin' });
    } catch (e) {
      status.textContent = '';
      throw new Problem(0, { detail: 'Não foi possível falar com o servidor. Verifique sua conexão com a rede e tente novamente.' });
    }
    if (!res.ok) {
      status.textContent = '';
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      throw new Problem(res.status, body, res.headers);
    }
    const convs = Number(res.headers.get('X-Export-Conversations')) || 0;
    const msgs = Number(res.headers.get('X-Export-Messages')) || 0;
    const reader = res.body.getReader();
    const parts = [];
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
      status.textContent = `Exportando ${holds(convs, msgs)}… ${size(got)} recebidos`;
    }
    const name = (/filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '') || [])[1] || 'conversas.zip';
    const url = URL.createObjectURL(new Blob(parts, { type: 'application/zip' }));
    const link = h('a', { href: url, download: name }, name);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = `Exportação concluída: ${holds(convs, msgs)} (${size(got)}, ${name}).`;
    announce(status.textContent);
    button.disabled = false; // another export may follow
  }) }, 'Exportar conversas');
  return h('div', { class: 'export' }, h('div', { class: 'actions' }, button), status, msg);
}

// retentionChoice is the alert's choice of the history's fate: keep it (the
// default) or `Apagar as mensagens após` 30, 90 or 180 days. value() is the
// acknowledgement's purge_after_days.
export function retentionChoice() {
  const keep = h('input', { type: 'radio', name: 'retention', id: 'retention-keep', value: 'keep', checked: true });
  const purge = h('input', { type: 'radio', name: 'retention', id: 'retention-purge', value: 'purge', 'aria-describedby': 'retention-hint' });
  const days = h('select', { id: 'retention-days', 'aria-label': 'Prazo para apagar as mensagens', onchange: () => { purge.checked = true; } },
    [30, 90, 180].map((d) => h('option', { value: d }, `${d} dias`)));
  const box = h('fieldset', { class: 'option retention' },
    h('legend', null, 'Histórico de conversas'),
    h('label', { class: 'check', for: 'retention-keep' }, keep, h('span', null, 'Manter o histórico')),
    h('div', { class: 'purge-after' }, h('label', { class: 'check', for: 'retention-purge' }, purge, h('span', null, 'Apagar as mensagens após')), days),
    h('p', { class: 'hint', id: 'retention-hint' }, 'As conversas continuam listadas, sem o conteúdo das mensagens; o histórico de auditoria é mantido. ',
      'Todos os administradores são avisados por e-mail 7 dias antes, e qualquer um deles pode cancelar ou adiar até lá. Exporte as conversas antes, se precisar delas.'));
  return { box, value: () => (purge.checked ? Number(days.value) : 0) };
}

// retentionText says what the removal chose for the history.
export function retentionText(rt) {
  if (!rt || rt.status === 'kept') return 'Mantido';
  const at = rt.purge_at ? ` em ${fmtDate(rt.purge_at)}` : '';
  const counts = rt.purged_messages ? ` (${rt.purged_messages} mensagens de ${rt.purged_conversations} conversas)` : '';
  return `${retentionLabel[rt.status] || rt.status}${rt.status === 'scheduled' || rt.status === 'held' ? at : ''}${counts}`;
}

// purgeCard is a removed channel's scheduled purge on its page: when, what
// it did so far, and for admins, until it starts, cancel, move and the legal
// hold.
export function purgeCard(ch) {
  const rt = ch.retention;
  const hold = ch.hold;
  const isAdmin = session.me.role === 'admin';
  const pending = rt && (rt.status === 'scheduled' || rt.status === 'held');
  const msg = h('div');
  const cancel = h('button', { type: 'button', class: 'danger', onclick: () => act(cancel, msg, async () => {
    await api('POST', `/v1/channels/${ch.id}/purge/cancel`);
    announce('Exclusão programada cancelada');
    reroute();
  }) }, 'Cancelar exclusão programada');
  // The server refuses a date nearer than the admins' notice (purge_too_soon,
  // its detail shown as any refusal); min only spares a refused choice.
  const date = h('input', { type: 'date', id: 'purge-date', 'aria-describedby': 'purge-date-hint',
    min: new Date(Date.now() + 8 * 864e5).toISOString().slice(0, 10) });
  const move = h('button', { type: 'button', onclick: () => {
    if (!date.value) {
      msg.replaceChildren(errorBox(new Error('Escolha a nova data da exclusão.')));
      date.focus();
      return;
    }
    act(move, msg, async () => {
      await api('PUT', `/v1/channels/${ch.id}/purge`, { purge_at: new Date(`${date.value}T12:00:00`).toISOString() });
      announce('Data da exclusão alterada');
      reroute();
    });
  } }, 'Mudar a data');
  const reason = h('input', { type: 'text', id: 'hold-reason', maxlength: 500 });
  const setHold = h('button', { type: 'button', onclick: () => act(setHold, msg, async () => {
    await api('PUT', `/v1/channels/${ch.id}/hold`, { reason: reason.value });
    announce('Retenção legal aplicada');
    reroute();
  }) }, 'Aplicar retenção legal');
  const liftHold = h('button', { type: 'button', onclick: () => act(liftHold, msg, async () => {
    // Names the hold this page shows: one set since is not lifted (409
    // hold_changed, its detail shown here).
    await api('DELETE', `/v1/channels/${ch.id}/hold?version=${encodeURIComponent(hold.version)}`);
    announce('Retenção legal retirada');
    reroute();
  }) }, 'Retirar retenção legal');
  return h('section', { class: 'card', 'aria-labelledby': 'purge-h' },
    h('h2', { id: 'purge-h' }, rt ? 'Exclusão programada das mensagens' : 'Retenção legal'),
    h('dl', { class: 'facts' },
      rt ? [h('dt', null, 'Escolhida na remoção'), h('dd', null, `Apagar as mensagens após ${rt.purge_after_days} dias`),
        h('dt', null, 'Situação'), h('dd', { id: 'purge-status', 'aria-live': 'polite' }, retentionText(rt))] : null,
      h('dt', null, 'Retenção legal'), h('dd', null, hold ? `Sim, desde ${fmtDate(hold.at)}${hold.reason ? `: ${hold.reason}` : ''}` : 'Não')),
    rt && rt.status === 'purging' ? h('p', { class: 'notice' }, 'Apagando as mensagens deste canal agora, em lotes; a situação acima se atualiza sozinha.') : null,
    rt && rt.status === 'purged' ? h('p', { class: 'success' }, 'As mensagens deste canal foram apagadas; as conversas continuam listadas, marcadas "Mensagens apagadas".') : null,
    isAdmin && pending ? h('div', null,
      h('div', { class: 'actions' }, cancel),
      h('label', { for: 'purge-date' }, 'Nova data da exclusão'),
      h('p', { class: 'hint', id: 'purge-date-hint' }, 'Com pelo menos 7 dias de antecedência: todos os administradores são avisados por e-mail antes da exclusão.'),
      date, h('div', { class: 'actions' }, move)) : null,
    isAdmin && !hold && (!rt || rt.status !== 'purged') ? h('div', null,
      h('label', { for: 'hold-reason' }, 'Motivo da retenção legal (impede a exclusão enquanto durar)'), reason,
      h('div', { class: 'actions' }, setHold)) : null,
    isAdmin && hold ? h('div', null,
      pending ? h('p', { class: 'hint' }, 'Retirada a retenção a menos de 7 dias da data (ou depois dela), a exclusão é remarcada para 7 dias depois, e todos os administradores são avisados de novo.') : null,
      h('div', { class: 'actions' }, liftHold)) : null,
    msg);
}

// followPurge keeps a purge in flight's progress current on the channel
// page: its status line is read again every 3 s (nothing else is redrawn, so
// a field being filled keeps its text); the page is drawn again once it ends.
export function followPurge(ch) {
  if (!ch.retention || ch.retention.status !== 'purging') return;
  later(async () => {
    let now;
    try { now = await api('GET', `/v1/channels/${ch.id}`); } catch (e) { followPurge(ch); return; }
    const line = document.getElementById('purge-status');
    if (!now.retention || now.retention.status !== 'purging' || !line) { reroute(); return; }
    line.textContent = retentionText(now.retention);
    followPurge(now);
  }, 3000);
}
