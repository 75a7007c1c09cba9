// Histórico de remoções and each removal's audit trail.
import { api, removalPath } from '../api.js';
import { h, fmtDate } from '../ui.js';
import { statusText, actionLabel } from '../labels.js';
import { crumbs, show, session } from '../screen.js';

// The audit trail (with the admins' IPs and the legal holds' reasons) is
// the admins': an agent sees the list without links to it.
const auditForAgents = 'A auditoria das remoções é restrita aos administradores da conta.';

export async function history() {
  const { removals } = await api('GET', '/v1/removals');
  const isAdmin = session.me.role === 'admin';
  show('Histórico de remoções',
    crumbs({ text: 'Ajustes', href: '#/ajustes/conta' }, { text: 'Conta', href: '#/ajustes/conta' }, { text: 'Histórico de remoções' }),
    h('h1', null, 'Histórico de remoções'),
    isAdmin ? null : h('p', { class: 'muted' }, auditForAgents),
    removals.length === 0 ? h('p', { class: 'muted' }, 'Nenhuma remoção nesta conta.') :
    h('ul', { class: 'list', 'aria-label': 'Remoções' }, removals.map((r) => h('li', null,
      h('span', { class: 'grow' }, isAdmin ? h('a', { href: `#/historico/${r.id}` }, r.channel_name) : r.channel_name, h('br'),
        h('span', { class: 'muted' }, `por ${r.requested_by_name || r.requested_by || '—'} em ${fmtDate(r.created_at)}`,
          r.completed_at ? ` · encerrada em ${fmtDate(r.completed_at)}` : '')),
      h('span', { class: 'badge' + (r.status === 'completed' ? ' ok' : r.status === 'completed_with_warnings' ? ' warn' : '') }, statusText(r.status))))));
}

export async function auditPage(id) {
  if (session.me.role !== 'admin') {
    show('Auditoria da remoção',
      crumbs({ text: 'Histórico de remoções', href: '#/historico' }, { text: 'Auditoria' }),
      h('h1', null, 'Auditoria da remoção'), h('p', null, auditForAgents));
    return;
  }
  const [{ entries }, r] = await Promise.all([api('GET', removalPath(id) + '/audit'), api('GET', removalPath(id)).catch(() => null)]);
  show('Auditoria da remoção',
    crumbs({ text: 'Histórico de remoções', href: '#/historico' }, { text: 'Auditoria' }),
    h('h1', null, `Auditoria: ${(r && r.impact && r.impact.channel_name) || id}`),
    r ? h('p', null, `Situação atual: ${statusText(r.status)} · `, h('a', { href: `#/remocoes/${id}` }, 'abrir a remoção')) : null,
    h('table', { class: 'audit' },
      h('thead', null, h('tr', null, h('th', null, 'Quando'), h('th', null, 'O quê'), h('th', null, 'Quem'), h('th', null, 'IP'))),
      h('tbody', null, entries.map((e) => h('tr', null,
        h('td', null, fmtDate(e.created_at)), h('td', null, actionText(e)),
        h('td', null, e.actor_name || e.actor_user_id || 'sistema'), h('td', null, e.actor_ip || '—'))))));
}

// actionText names an audit record's step; a notice names its recipient.
function actionText(e) {
  const label = actionLabel[e.action] || e.action;
  if ((e.action === 'admin_notified' || e.action === 'guess_limit_notified') && e.detail && e.detail.to) return `${label} ${e.detail.to}`;
  // A signal is ops'; whom its payload named is a claim, shown as one.
  const c = e.detail && e.detail.claimed_actor;
  return c && (c.user_id || c.ip) ? `${label} (sinal pelo Temporal; o sinal dizia ${[c.user_id, c.ip].filter(Boolean).join(', ')})` : label;
}
