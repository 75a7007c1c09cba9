// Small DOM helpers: every text goes in as a text node, never as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function errorBox(err, extra) {
  return h('div', { class: 'error', role: 'alert' }, h('p', null, err.message), extra || null);
}

export const kindLabel = {
  whatsapp_cloud: 'WhatsApp Business API',
  whatsapp_web: 'WhatsApp (QR Code)',
  messenger: 'Messenger',
  instagram: 'Instagram',
  email: 'E-mail',
  webchat: 'Chat do site',
};

export const statusLabel = {
  preflight: 'Verificando',
  awaiting_acknowledgement: 'Aguardando confirmação do alerta',
  awaiting_code: 'Aguardando código de verificação',
  removing: 'Removendo o canal',
  unlinking: 'Desvinculando na Meta',
  completed: 'Concluída',
  completed_with_warnings: 'Concluída com avisos',
  rejected: 'Recusada',
  cancelled: 'Cancelada',
  expired: 'Expirada',
  locked: 'Bloqueada',
  failed: 'Falhou',
};

export const actionLabel = {
  preflight_passed: 'Verificação prévia aprovada',
  preflight_rejected: 'Verificação prévia recusou a remoção',
  acknowledged: 'Alerta de remoção irreversível confirmado',
  code_sent: 'Código de verificação enviado',
  code_rejected: 'Código incorreto informado',
  code_expired: 'Código expirado',
  code_verified: 'Código verificado',
  channel_removed: 'Canal removido (tombstone)',
  meta_unlinked: 'Aplicativo desvinculado na Meta',
  meta_unlink_skipped: 'WABA em uso por outro canal: inscrição mantida',
  meta_unlink_failed: 'Falha ao desvincular na Meta',
  meta_unlink_abandoned: 'Desvínculo na Meta abandonado após o prazo',
  retry_unlink_requested: 'Nova tentativa de desvínculo pedida',
  removal_completed: 'Remoção concluída',
  removal_cancelled: 'Remoção cancelada',
  removal_expired: 'Remoção expirada',
  removal_locked: 'Remoção bloqueada',
  removal_rejected: 'Remoção recusada',
  conversation_continued: 'Novo atendimento iniciado por outro canal',
};

const dateFmt = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'medium' });
export const fmtDate = (s) => (s ? dateFmt.format(new Date(s)) : '—');

// maskEmail shows where the code went without the whole address: a****@demo.local.
export function maskEmail(email) {
  if (!email || !email.includes('@')) return email || '';
  const [user, domain] = email.split('@');
  return user.slice(0, 1) + '*'.repeat(Math.max(3, user.length - 1)) + '@' + domain;
}

export function announce(text) {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}
