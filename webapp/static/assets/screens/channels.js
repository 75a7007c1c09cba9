// Canais de Atendimento: every channel of the account; tombstones marked
// Removido, channels Meta cut off Desconectado na Meta.
import { api } from '../api.js';
import { h } from '../ui.js';
import { kindLabel } from '../labels.js';
import { statusBadge } from './channel.js';
import { crumbs, show } from '../screen.js';

export async function channels() {
  const { channels } = await api('GET', '/v1/channels');
  show('Canais de Atendimento',
    crumbs({ text: 'Ajustes', href: '#/ajustes/conta' }, { text: 'Conta', href: '#/ajustes/conta' }, { text: 'Canais de Atendimento' }),
    h('h1', null, 'Canais de Atendimento'),
    channels.length === 0 ? h('p', { class: 'muted' }, 'Nenhum canal nesta conta.') :
    h('ul', { class: 'list', 'aria-label': 'Canais' }, channels.map((c) => h('li', null,
      h('span', { class: 'grow' }, h('a', { href: `#/canais/${c.id}` }, c.name), h('br'), h('span', { class: 'muted' }, kindLabel[c.kind] || c.kind)),
      c.official ? h('span', { class: 'badge' }, 'Oficial') : null,
      statusBadge(c.status)))));
}
