// A channel's conversations, one conversation, and a new attendance on
// another channel for a conversation whose channel was removed (SPEC §1.7)
// or cut off by Meta (§7).
import { api } from '../api.js';
import { h, fmtDate, announce } from '../ui.js';
import { kindLabel, conversationStatusLabel } from '../labels.js';
import { act, crumbs, go, session, show } from '../screen.js';

export async function conversations(channelId) {
  const [ch, { conversations }] = await Promise.all([api('GET', `/v1/channels/${channelId}`), api('GET', `/v1/channels/${channelId}/conversations`)]);
  show(`Conversas · ${ch.name}`,
    crumbs({ text: 'Canais de Atendimento', href: '#/canais' }, { text: ch.name, href: `#/canais/${channelId}` }, { text: 'Conversas' }),
    h('h1', null, `Conversas de ${ch.name}`),
    conversations.length === 0 ? h('p', { class: 'muted' }, 'Nenhuma conversa neste canal.') :
    h('ul', { class: 'list', 'aria-label': 'Conversas' }, conversations.map((c) => h('li', null,
      h('a', { href: `#/conversas/${c.id}`, class: 'grow' }, c.contact),
      h('span', { class: 'muted' }, conversationStatusLabel[c.status] || c.status),
      c.channel_removed ? h('span', { class: 'badge removed' }, 'Canal removido') : null,
      c.messages_purged ? h('span', { class: 'badge' }, 'Mensagens apagadas') : null,
      c.channel_disconnected ? h('span', { class: 'badge warn' }, 'Desconectado na Meta') : null))));
}

export async function conversation(id) {
  const conv = await api('GET', `/v1/conversations/${id}`);
  const msg = h('div');
  const text = h('textarea', { id: 'text', maxlength: 4000 });
  const list = h('ul', { class: 'messages', 'aria-label': 'Mensagens' }, conv.messages.map(messageItem));
  const empty = h('p', { class: 'muted' }, 'Nenhuma mensagem ainda.');
  const send = h('button', { type: 'submit', class: 'primary' }, 'Enviar');
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (await act(send, msg, () => api('POST', `/v1/conversations/${id}/messages`, { text: text.value }))) {
      list.append(messageItem({ text: text.value, author: session.me.name, created_at: new Date().toISOString() }));
      empty.remove();
      text.value = '';
      send.disabled = false;
      announce('Mensagem enviada');
    }
  } }, h('label', { for: 'text' }, 'Mensagem'), text, msg, h('div', { class: 'actions' }, send));
  show(`Conversa com ${conv.contact}`,
    crumbs({ text: 'Conversas', href: `#/canais/${conv.channel_id}/conversas` }, { text: conv.contact }),
    h('h1', null, `Conversa com ${conv.contact} `, conv.channel_removed ? h('span', { class: 'badge removed' }, 'Canal removido') : null,
      conv.channel_disconnected ? h('span', { class: 'badge warn' }, 'Desconectado na Meta') : null),
    conv.messages_purged ? h('p', { class: 'notice' }, h('strong', null, 'Mensagens apagadas. '),
      'As mensagens desta conversa foram apagadas conforme a exclusão programada na remoção do canal; a conversa e o histórico de auditoria são mantidos.') : null,
    conv.channel_removed ? h('p', { class: 'notice' }, 'O canal desta conversa foi removido. Para continuar falando com este contato, inicie um novo atendimento por meio de outro canal.') : null,
    conv.channel_disconnected ? h('p', { class: 'notice' }, 'O canal desta conversa foi desconectado na Meta e não envia mais mensagens. Para continuar falando com este contato, inicie um novo atendimento por meio de outro canal.') : null,
    conv.channel_removed || conv.channel_disconnected ? await continueBox(conv) : null,
    h('section', { class: 'card' }, conv.messages.length ? null : empty, list, form));
}

function messageItem(m) {
  return h('li', null, h('small', null, `${m.author || 'Contato'} · ${fmtDate(m.created_at)}`), m.text);
}

async function continueBox(conv) {
  const { channels } = await api('GET', '/v1/channels');
  const options = channels.filter((c) => c.status === 'active' && c.id !== conv.channel_id);
  const msg = h('div');
  const select = h('select', { id: 'target' }, options.map((c) => h('option', { value: c.id }, `${c.name} (${kindLabel[c.kind] || c.kind})`)));
  const start = h('button', { type: 'submit', class: 'primary', disabled: !options.length || undefined }, 'Iniciar novo atendimento');
  return h('form', { class: 'card', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    act(start, msg, async () => {
      const c = await api('POST', `/v1/conversations/${conv.id}/continue`, { channel_id: select.value });
      go(`#/conversas/${c.id}`);
    });
  } }, h('h2', null, 'Iniciar novo atendimento'),
  options.length ? [h('label', { for: 'target' }, 'Canal'), select] : h('p', { class: 'muted' }, 'Não há outro canal ativo nesta conta.'),
  msg, h('div', { class: 'actions' }, start));
}
