// A removal's screens (the article's steps 4–5): which one its status shows,
// and what they share.
import { api, removalPath } from '../api.js';
import { h, announce } from '../ui.js';
import { act, crumbs, go } from '../screen.js';
import { alertScreen } from './alert.js';
import { codeScreen } from './code.js';
import { progressScreen } from './progress.js';

// The statuses of a removal still under way.
export const running = ['preflight', 'awaiting_acknowledgement', 'awaiting_code', 'removing', 'unlinking'];

// An action's answer is the removal document (SPEC §3): the screen that
// follows renders it instead of reading it again; only waiting reads it.
let answered = null;
export function showRemoval(r) {
  answered = r;
  go(`#/remocoes/${r.id}`);
}

export async function removalPage(id) {
  const r = answered && answered.id === id ? answered : await api('GET', removalPath(id));
  answered = null;
  const name = (r.impact && r.impact.channel_name) || 'Canal';
  const head = [crumbs({ text: 'Canais de Atendimento', href: '#/canais' }, { text: name, href: `#/canais/${r.channel_id}` }, { text: 'Remoção' }),
    stepsBar(r.status)];
  switch (r.status) {
    case 'awaiting_acknowledgement': return alertScreen(r, head);
    case 'awaiting_code': return codeScreen(r, head);
    default: return progressScreen(r, head);
  }
}

const stepNames = ['Alerta', 'Validação', 'Remoção', 'Concluída'];
const stepOf = { preflight: 0, awaiting_acknowledgement: 0, awaiting_code: 1, removing: 2, unlinking: 2, completed: 3, completed_with_warnings: 3 };

function stepsBar(status) {
  const at = stepOf[status];
  return h('ol', { class: 'steps', 'aria-label': 'Etapas' }, stepNames.map((name, i) =>
    h('li', { class: i === at ? 'current' : null, 'aria-current': i === at ? 'step' : null }, `${i + 1}. ${name}`)));
}

export function cancelButton(r, msg) {
  return h('button', { type: 'button', onclick: () => act(null, msg, async () => {
    const after = await api('POST', removalPath(r.id) + '/cancel');
    announce('Remoção cancelada.');
    showRemoval(after);
  }) }, 'Cancelar');
}
