// Ajustes › Conta (the help article's steps 1–2).
import { h } from '../ui.js';
import { crumbs, show } from '../screen.js';

export function account() {
  show('Conta',
    crumbs({ text: 'Ajustes' }, { text: 'Conta' }),
    h('h1', null, 'Conta'),
    h('ul', { class: 'list' },
      h('li', null, h('a', { href: '#/canais', class: 'grow' }, 'Canais de Atendimento'), h('span', { class: 'muted' }, 'Adicionar, ver e remover canais')),
      h('li', null, h('a', { href: '#/historico', class: 'grow' }, 'Histórico de remoções'), h('span', { class: 'muted' }, 'Quem removeu o quê, e quando')),
      h('li', null, h('a', { href: '#/ajustes/conta/integracoes', class: 'grow' }, 'Integrações'), h('span', { class: 'muted' }, 'Avisar seus sistemas de remoções e exclusões'))));
}
