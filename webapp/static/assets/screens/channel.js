// The channel page (the article's step 3): details, the impact preview and
// Remover conta; an unfinished removal can be resumed from here.
import { api, Problem, removalPath } from '../api.js';
import { h, fmtDate, announce } from '../ui.js';
import { kindLabel, statusText, referencesText, attendanceText, channelStatusLabel, channelStatusClass } from '../labels.js';
import { act, crumbs, session, show } from '../screen.js';
import { running, showRemoval } from './removal.js';
import { exportBox, purgeCard, followPurge } from './data.js';

// impactView is what a removal would touch, as the preflight collects it.
export function impactView(im) {
  const m = im.meta || {};
  const metaObjs = [m.waba_id && `WABA ${m.waba_id}`, m.phone_number_id && `número ${m.phone_number_id}`, m.page_id && `página ${m.page_id}`].filter(Boolean);
  const attendances = im.active_attendances || [];
  return h('div', null,
    h('dl', { class: 'facts' },
      h('dt', null, 'Integração oficial'), h('dd', null, im.official_integration ? 'Sim (Meta)' : 'Não'),
      h('dt', null, 'Objetos vinculados na Meta'), h('dd', null, metaObjs.length ? metaObjs.join(', ') : 'Nenhum'),
      im.coexistence ? h('dt', null, 'Coexistência') : null,
      im.coexistence ? h('dd', null, 'Sim: o número também é usado no aplicativo WhatsApp Business') : null,
      h('dt', null, 'Conversas'), h('dd', null, im.conversations_capped ? `mais de ${im.conversations}` : String(im.conversations)),
      h('dt', null, 'Referências'), h('dd', null, referencesText(im.references || {})),
      h('dt', null, 'Atendimentos ativos'), h('dd', null, attendances.length ? attendances.map(attendanceText).join(', ') : 'Nenhum')),
    (im.warnings || []).length ? h('div', null, h('h2', null, 'Avisos'), h('ul', { class: 'warnings' }, im.warnings.map((w) => h('li', null, w)))) : null);
}

// statusBadge shows a channel's status: Ativo, Desconectado na Meta, Removido.
export function statusBadge(status) {
  return h('span', { class: `badge ${channelStatusClass[status] || ''}` }, channelStatusLabel[status] || status);
}

export async function channelPage(id) {
  const ch = await api('GET', `/v1/channels/${id}`);
  let latest = null;
  try { latest = await api('GET', removalPath(ch.removal_id)); } catch (e) { if (!(e instanceof Problem) || e.status !== 404) throw e; }
  const msg = h('div');
  const isAdmin = session.me.role === 'admin';
  const removed = ch.status === 'removed';
  const disconnected = ch.status === 'disconnected';
  const inFlight = latest && running.includes(latest.status);
  const removeBtn = h('button', { type: 'button', class: 'danger', disabled: !isAdmin || removed || undefined,
    'aria-describedby': !isAdmin ? 'why-not' : null, onclick: () => {
      announce('Verificando se o canal pode ser removido…');
      act(removeBtn, msg, async () => showRemoval(await api('POST', `/v1/channels/${id}/removals`)));
    } }, 'Remover conta');
  show(ch.name,
    crumbs({ text: 'Conta', href: '#/ajustes/conta' }, { text: 'Canais de Atendimento', href: '#/canais' }, { text: ch.name }),
    h('h1', null, ch.name, ' ', removed || disconnected ? statusBadge(ch.status) : null),
    disconnected ? h('div', { class: 'notice', role: 'status' }, h('p', null, h('strong', null, 'Desconectado na Meta. '),
      'A empresa removeu o acesso do nosso aplicativo a esta conta do WhatsApp Business no Meta Business: o canal não envia nem recebe mensagens. ',
      'Remova-o para encerrá-lo aqui; não há nada a desvincular na Meta.')) : null,
    h('section', { class: 'card', 'aria-labelledby': 'details-h' },
      h('h2', { id: 'details-h' }, 'Detalhes'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Tipo'), h('dd', null, kindLabel[ch.kind] || ch.kind),
        h('dt', null, 'Oficial'), h('dd', null, ch.official ? 'Sim' : 'Não'),
        h('dt', null, 'Situação'), h('dd', null, removed ? `Removido em ${fmtDate(ch.removed_at)}` : channelStatusLabel[ch.status] || ch.status)),
      h('p', null, h('a', { href: `#/canais/${id}/conversas` }, 'Conversas')),
      isAdmin ? exportBox(id) : null),
    ch.retention || ch.hold || (removed && isAdmin) ? purgeCard(ch) : null,
    ch.impact ? h('section', { class: 'card', 'aria-labelledby': 'impact-h' }, h('h2', { id: 'impact-h' }, 'O que a remoção afeta'), impactView(ch.impact)) : null,
    inFlight ? h('div', { class: 'notice' }, h('p', null, `Há uma remoção deste canal em andamento: ${statusText(latest.status)}.`),
      h('a', { href: `#/remocoes/${latest.id}`, class: 'button' }, 'Retomar remoção')) : null,
    latest && !inFlight ? h('p', { class: 'muted' }, `Última remoção: ${statusText(latest.status)} em ${fmtDate(latest.updated_at)} · `,
      h('a', { href: `#/remocoes/${latest.id}` }, 'ver')) : null,
    removed ? null : h('div', { class: 'actions' }, removeBtn),
    !isAdmin && !removed ? h('p', { id: 'why-not', class: 'muted' }, 'Apenas administradores da conta podem remover canais.') : null,
    msg);
  followPurge(ch);
}
