// Ajustes › Conta › Integrações: the account's webhook endpoints (SPEC §9).
// An admin registers a URL for some events, sees its secret once (on
// creation and rotation: the server never shows it again), rotates it,
// deletes the endpoint and reads each delivery's attempts and answers.
import { api } from '../api.js';
import { h, errorBox, fmtDate, announce } from '../ui.js';
import { crumbs, show, session, reroute } from '../screen.js';

const eventText = {
  'channel.removed': 'Canal removido',
  'channel.disconnected': 'Canal desconectado na Meta',
  'removal.completed_with_warnings': 'Remoção concluída com avisos',
  'messages.purged': 'Mensagens apagadas',
  'conversations.exported': 'Conversas exportadas',
};

const title = 'Integrações';
const trail = () => crumbs({ text: 'Ajustes', href: '#/ajustes/conta' }, { text: 'Conta', href: '#/ajustes/conta' }, { text: title });

// shownSecret survives the redraw after a creation or rotation, once.
let shownSecret = null;

export async function integrations() {
  if (session.me.role !== 'admin') {
    show(title, trail(), h('h1', null, title), h('p', null, 'As integrações da conta são restritas aos administradores.'));
    return;
  }
  const { endpoints, event_types: types } = await api('GET', '/v1/webhook-endpoints');
  const secret = shownSecret;
  shownSecret = null;
  show(title, trail(), h('h1', null, title),
    h('p', null, 'Seus sistemas recebem um POST assinado (Standard Webhooks) a cada evento escolhido. ',
      'Verifique a assinatura com o segredo do endpoint.'),
    secret ? secretBox(secret) : null,
    h('h2', null, 'Endpoints cadastrados'),
    endpoints.length === 0 ? h('p', { class: 'muted' }, 'Nenhum endpoint cadastrado.') :
      h('ul', { class: 'list', 'aria-label': 'Endpoints' }, endpoints.map(endpointItem)),
    newForm(types));
}

function secretBox({ url, secret }) {
  return h('section', { class: 'card', role: 'status', 'aria-labelledby': 'secret-h' },
    h('h2', { id: 'secret-h' }, 'Segredo do endpoint'),
    h('p', null, `Guarde agora o segredo de ${url}: ele não será mostrado de novo.`),
    h('p', null, h('code', { id: 'secret', class: 'secret' }, secret)));
}

function status(ep) {
  if (ep.disabled_at) return h('span', { class: 'badge removed' }, `Desativado em ${fmtDate(ep.disabled_at)}`);
  if (ep.failing_since) return h('span', { class: 'badge warn' }, `Falhando desde ${fmtDate(ep.failing_since)}`);
  return h('span', { class: 'badge ok' }, 'Ativo');
}

function endpointItem(ep) {
  const box = h('div', { class: 'grow', role: 'region', 'aria-live': 'polite', 'aria-label': `Entregas de ${ep.url}` });
  const act = (label, cls, fn) => h('button', { type: 'button', class: cls, onclick: async () => {
    box.replaceChildren();
    try { await fn(); } catch (err) { box.replaceChildren(errorBox(err)); }
  } }, label);
  return h('li', null,
    h('span', { class: 'grow' }, h('strong', null, ep.url), h('br'),
      h('span', { class: 'muted' }, ep.events.map((e) => eventText[e] || e).join(' · '))),
    status(ep),
    act('Ver entregas', 'link', async () => box.replaceChildren(deliveries((await api('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`)).deliveries))),
    act('Gerar novo segredo', '', async () => {
      const r = await api('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`);
      shownSecret = { url: ep.url, secret: r.secret };
      announce('Novo segredo gerado. O anterior continua valendo por 24 horas.');
      reroute();
    }),
    act('Apagar', 'danger', async () => {
      if (!confirm(`Apagar o endpoint ${ep.url}? Ele deixa de receber eventos.`)) return;
      await api('DELETE', `/v1/webhook-endpoints/${ep.id}`);
      announce('Endpoint apagado.');
      reroute();
    }),
    box);
}

function deliveries(list) {
  if (list.length === 0) return h('p', { class: 'muted' }, 'Nenhuma entrega ainda.');
  return h('table', { class: 'audit' },
    h('thead', null, h('tr', null, h('th', null, 'Quando'), h('th', null, 'Evento'), h('th', null, 'Tentativas'),
      h('th', null, 'Última resposta'), h('th', null, 'Situação'))),
    h('tbody', null, list.map((d) => h('tr', null,
      h('td', null, fmtDate(d.created_at)), h('td', null, eventText[d.type] || d.type), h('td', null, String(d.attempts)),
      h('td', null, d.last_status === null ? '—' : `${d.last_status || 'sem resposta'} ${d.last_answer || ''}`),
      h('td', null, d.delivered_at ? `Entregue em ${fmtDate(d.delivered_at)}` : d.failed_at ? 'Falhou' :
        d.next_try_at ? `Nova tentativa em ${fmtDate(d.next_try_at)}` : 'Enviando')))));
}

function newForm(types) {
  const url = h('input', { type: 'url', id: 'hook-url', required: true, placeholder: 'https://', 'aria-describedby': 'hook-error' });
  const boxes = types.map((t) => h('input', { type: 'checkbox', id: `ev-${t}`, value: t, checked: true }));
  const err = h('div', { id: 'hook-error' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-h', onsubmit: async (e) => {
    e.preventDefault();
    err.replaceChildren();
    const events = boxes.filter((b) => b.checked).map((b) => b.value);
    try {
      const r = await api('POST', '/v1/webhook-endpoints', { url: url.value.trim(), events });
      shownSecret = { url: r.url, secret: r.secret };
      announce('Endpoint cadastrado.');
      reroute();
    } catch (ex) { err.replaceChildren(errorBox(ex)); }
  } },
    h('h2', { id: 'new-h' }, 'Novo endpoint'),
    h('label', { for: 'hook-url' }, 'Endereço (URL)'), url,
    h('fieldset', null, h('legend', null, 'Eventos'),
      boxes.map((b, i) => h('label', { class: 'check', for: b.id }, b, h('span', null, eventText[types[i]] || types[i])))),
    err,
    h('p', null, h('button', { type: 'submit', class: 'primary' }, 'Cadastrar endpoint')));
  return form;
}
