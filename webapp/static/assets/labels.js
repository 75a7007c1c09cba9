// Every label the screens show for a value of the API, in one place.

export const kindLabel = {
  whatsapp_cloud: 'WhatsApp Business API',
  whatsapp_web: 'WhatsApp (QR Code)',
  messenger: 'Messenger',
  instagram: 'Instagram',
  email: 'E-mail',
  webchat: 'Chat do site',
};

// A channel's status (GET /v1/channels), with its badge's class.
export const channelStatusLabel = { active: 'Ativo', disconnected: 'Desconectado na Meta', removed: 'Removido' };
export const channelStatusClass = { active: 'ok', disconnected: 'warn', removed: 'removed' };

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
export const statusText = (s) => statusLabel[s] || s;

// What an ended removal means for the admin (the progress screen's outcome).
export const outcomeText = {
  rejected: 'A remoção foi recusada; nada foi alterado.',
  cancelled: 'A remoção foi cancelada; nada foi alterado.',
  expired: 'A remoção expirou antes de ser confirmada; nada foi alterado. Você pode começar de novo pela página do canal.',
  locked: 'A remoção foi bloqueada após 5 códigos incorretos; nada foi alterado. Você pode começar de novo pela página do canal.',
  failed: 'A remoção falhou. Tente de novo pela página do canal ou fale com o suporte.',
};

export const metaUnlinkLabel = {
  not_started: 'Ainda não iniciado',
  not_needed: 'Não necessário (sem integração oficial)',
  unlinking: 'Em andamento',
  unlinked: 'Aplicativo desvinculado',
  skipped: 'Mantido: a WABA é usada por outro canal ativo',
  failed: 'Falhou (pode ser tentado de novo)',
  abandoned: 'Não concluído dentro do prazo',
  unlinked_by_meta: 'Já desvinculado: o acesso foi removido na Meta',
};

// The phone number's release (meta_unlink.number.status).
export const numberLabel = {
  not_requested: 'Mantido registrado (liberação não pedida)',
  pending: 'Liberação pedida',
  released: 'Liberado na Meta',
  failed: 'Liberação não concluída',
};

// The number's webhook override our app set (meta_unlink.override.status),
// and the WABA's (meta_unlink.waba_override).
export const overrideLabel = {
  pending: 'Remoção pendente',
  cleared: 'Removido (era do nosso aplicativo)',
  not_ours: 'Mantido: aponta para outro aplicativo',
  failed: 'Remoção não concluída',
};
export const wabaOverrideLabel = {
  removed: 'Removido com a inscrição do aplicativo',
  kept: 'Mantido: a WABA é usada por outro canal ativo',
};

// The WABA's share of our credit line (meta_unlink.credit_line.status).
export const creditLineLabel = {
  pending: 'Revogação pendente',
  revoked: 'Revogada com o desvínculo',
  kept: 'Mantida: a WABA é usada por outro canal ativo',
  failed: 'Revogação não concluída',
};

export const conversationStatusLabel = { open: 'Aberta', pending: 'Pendente', closed: 'Encerrada' };

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
  ops_alerted: 'Equipe de operações avisada do desvínculo pendente',
  admin_notified: 'Aviso da remoção enviado por e-mail a',
  number_release_requested: 'Liberação do número na Meta pedida',
  number_released: 'Número liberado na Meta',
  number_release_failed: 'Falha ao liberar o número na Meta',
  removal_completed: 'Remoção concluída',
  removal_cancelled: 'Remoção cancelada',
  removal_reset: 'Execução reiniciada pela equipe de operações no Temporal',
  removal_expired: 'Remoção expirada',
  removal_locked: 'Remoção bloqueada',
  removal_rejected: 'Remoção recusada',
  conversation_continued: 'Novo atendimento iniciado por outro canal',
  code_email_refused: 'Envio de código recusado: limite de e-mails por hora',
  start_refused: 'Início de remoção recusado: limite por usuário',
  guess_limit_notified: 'Aviso de tentativas de código enviado por e-mail a',
  notice_failed: 'Aviso por e-mail não enviado',
  number_release_abandoned: 'Liberação do número abandonada após o prazo',
  webhook_override_cleared: 'Redirecionamento de webhook do número removido',
  webhook_override_left_alone: 'Redirecionamento de webhook de outro aplicativo mantido',
  webhook_override_release_failed: 'Falha ao remover o redirecionamento de webhook do número',
  webhook_override_release_abandoned: 'Remoção do redirecionamento de webhook abandonada após o prazo',
  credit_line_revoked: 'Linha de crédito compartilhada com a WABA revogada',
  credit_line_kept: 'Linha de crédito mantida: a WABA continua em uso por outro canal',
  credit_line_revoke_failed: 'Falha ao revogar a linha de crédito compartilhada com a WABA',
  credit_line_revoke_abandoned: 'Revogação da linha de crédito abandonada após o prazo',
  conversations_exported: 'Conversas exportadas',
  retention_chosen: 'Exclusão das mensagens escolhida',
  purge_scheduled: 'Exclusão das mensagens programada',
  purge_not_scheduled: 'Exclusão das mensagens não pôde ser programada; o histórico foi mantido',
  purge_cancelled: 'Exclusão programada cancelada',
  purge_moved: 'Data da exclusão alterada',
  hold_set: 'Retenção legal aplicada',
  hold_released: 'Retenção legal retirada',
  purge_held: 'Exclusão suspensa por retenção legal',
  purge_resumed: 'Exclusão retomada',
  purge_started: 'Exclusão das mensagens iniciada',
  messages_purged: 'Mensagens apagadas',
  purge_notice_sent: 'Aviso da exclusão programada enviado por e-mail a',
  purge_done_notified: 'Aviso das mensagens apagadas enviado por e-mail a',
};

// retentionLabel is what became of a removed channel's history (retention.status).
export const retentionLabel = {
  kept: 'Mantido',
  scheduled: 'Exclusão programada',
  cancelled: 'Exclusão cancelada: histórico mantido',
  held: 'Exclusão suspensa por retenção legal',
  purging: 'Apagando as mensagens',
  purged: 'Mensagens apagadas',
};

// plural picks the Portuguese form for n.
export const plural = (n, one, many) => (n === 1 ? one : many);

// count says "1 automação", "3 automações".
export const count = (n, one, many) => `${n} ${plural(n, one, many)}`;

// listText joins Portuguese-style: "a", "a e b", "a, b e c".
export function listText(parts) {
  return parts.length < 2 ? parts.join('') : parts.slice(0, -1).join(', ') + ' e ' + parts[parts.length - 1];
}

// referencesText names what references a channel, zero counts left out.
export function referencesText(r) {
  const parts = [
    [r.automations, 'automação', 'automações'], [r.routing_rules, 'regra de roteamento', 'regras de roteamento'],
    [r.chatbots, 'chatbot', 'chatbots'], [r.webhooks, 'webhook', 'webhooks'],
  ].filter(([n]) => n > 0).map(([n, one, many]) => count(n, one, many));
  return parts.length ? listText(parts) : 'Nenhuma';
}

// attendanceText is an active attendance: "Maria (aberto)".
export const attendanceText = (a) => `${a.contact} (${a.status === 'open' ? 'aberto' : 'pendente'})`;
