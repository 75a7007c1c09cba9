// The irreversible-removal alert (the article's step 4).
import { api, removalPath } from '../api.js';
import { h, errorBox } from '../ui.js';
import { act, show } from '../screen.js';
import { impactView } from './channel.js';
import { cancelButton, showRemoval } from './removal.js';
import { exportBox, retentionChoice } from './data.js';

export function alertScreen(r, head) {
  const msg = h('div', { id: 'ack-error' });
  const ack = h('input', { type: 'checkbox', id: 'ack', 'aria-describedby': 'ack-error' });
  // Releasing the number: offered for a WhatsApp Business API channel only,
  // unchecked, never implied (SPEC §7).
  const offered = r.meta_unlink && r.meta_unlink.number;
  const release = h('input', { type: 'checkbox', id: 'release-number' });
  const retention = retentionChoice();
  const cont = h('button', { type: 'button', class: 'danger', onclick: () => {
    if (!ack.checked) {
      msg.replaceChildren(errorBox(new Error('Marque "Estou ciente e desejo prosseguir com a remoção" para continuar.')));
      ack.focus();
      return;
    }
    const body = { acknowledged: true, release_number: Boolean(offered && release.checked), purge_after_days: retention.value() };
    act(cont, msg, async () => showRemoval(await api('POST', removalPath(r.id) + '/acknowledge', body)));
  } }, 'Continuar');
  show('Alerta de remoção irreversível', ...head,
    h('section', { class: 'card alert-box', role: 'alertdialog', 'aria-labelledby': 'alert-h', 'aria-describedby': 'alert-d' },
      h('h1', { id: 'alert-h' }, `Remover "${(r.impact && r.impact.channel_name) || 'canal'}"?`),
      h('p', { id: 'alert-d' }, h('strong', null, 'Esta ação é irreversível.'),
        ' O canal não poderá ser reativado; se for adicionado de novo, será um canal novo. As conversas continuam visíveis, mas não será possível enviar mensagens por elas.'),
      r.impact ? impactView(r.impact) : null,
      offered ? h('div', { class: 'option' },
        h('label', { class: 'check', for: 'release-number' }, release, h('span', null, 'Liberar o número na Meta')),
        h('p', { class: 'hint' }, 'Depois da remoção, desregistra este número de telefone do nosso aplicativo na Meta, para que ele possa ser usado em outro provedor; sem esta opção o número continua registrado.')) : null,
      // A coexistence number is never released (SPEC §8): say why instead of the option.
      r.impact && r.impact.coexistence ? h('div', { class: 'option', id: 'release-unavailable' },
        h('p', null, h('strong', null, 'Liberar o número na Meta: indisponível. '),
          'O número está em coexistência com o aplicativo WhatsApp Business do celular da empresa, que deixaria de funcionar (veja os avisos acima).')) : null,
      retention.box,
      exportBox(r.channel_id),
      h('label', { class: 'check', for: 'ack' }, ack, h('span', null, 'Estou ciente e desejo prosseguir com a remoção')),
      msg,
      h('div', { class: 'actions' }, cont, cancelButton(r, msg))));
}
