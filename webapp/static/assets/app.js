// The CRM admin's screens for removing a channel (SPEC §6), routed by the
// URL hash so that the server only serves one page. Each screen is a function
// that fills <main>; a removal's screen follows its status from the API.
import { api, Problem, removalPath } from './api.js';
import { h, errorBox, kindLabel, statusLabel, actionLabel, fmtDate, maskEmail, announce } from './ui.js';

const main = document.getElementById('main');
let me = null;
let timers = [];
let waiting = null; // the AbortController of the screen's waiting read

// stopScreen ends what the screen left running: its timers and waiting read.
function stopScreen() {
  timers.forEach((t) => clearTimeout(t) || clearInterval(t));
  timers = [];
  if (waiting) { waiting.abort(); waiting = null; }
}
function later(fn, ms) { const t = setTimeout(fn, ms); timers.push(t); return t; }

function show(title, ...content) {
  document.title = title + ' · CRM';
  main.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  main.focus();
}

function crumbs(...items) {
  return h('p', { class: 'crumbs' }, items.flatMap((it, i) => [i ? ' › ' : '', it.href ? h('a', { href: it.href }, it.text) : it.text]));
}

function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

// ---------- sign-in ----------
function signIn(next) {
  document.getElementById('topbar').hidden = true;
  const msg = h('div');
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Entrar');
  const form = h('form', { class: 'card signin', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    button.disabled = true;
    try {
      await api('POST', '/v1/session', { email: email.value, password: password.value });
      await loadMe();
      go(next && next !== '#/entrar' ? next : '#/ajustes/conta');
    } catch (err) {
      const extra = err.retryAfter ? h('p', null, `Tente de novo em ${err.retryAfter} s.`) : null;
      msg.replaceChildren(errorBox(err, extra));
      password.value = '';
      password.focus();
    } finally { button.disabled = false; }
  } },
  h('h1', null, 'Entrar no CRM'),
  h('label', { for: 'email' }, 'E-mail'), email,
  h('label', { for: 'password' }, 'Senha'), password,
  msg,
  h('div', { class: 'actions' }, button));
  show('Entrar', form);
  email.focus();
}

async function loadMe() {
  me = await api('GET', '/v1/session');
  const bar = document.getElementById('topbar');
  bar.hidden = false;
  document.getElementById('who').textContent = `${me.name} (${me.role === 'admin' ? 'administrador' : 'atendente'})`;
}

// ---------- settings menu (article steps 1–2) ----------
function account() {
  show('Conta',
    crumbs({ text: 'Ajustes' }, { text: 'Conta' }),
    h('h1', null, 'Conta'),
    h('ul', { class: 'list' },
      h('li', null, h('a', { href: '#/canais', class: 'grow' }, 'Canais de Atendimento'), h('span', { class: 'muted' }, 'Adicionar, ver e remover canais')),
      h('li', null, h('a', { href: '#/historico', class: 'grow' }, 'Histórico de remoções'), h('span', { class: 'muted' }, 'Quem removeu o quê, e quando'))));
}

// ---------- channel list ----------
async function channels() {
  const { channels } = await api('GET', '/v1/channels');
  show('Canais de Atendimento',
    crumbs({ text: 'Ajustes', href: '#/ajustes/conta' }, { text: 'Conta', href: '#/ajustes/conta' }, { text: 'Canais de Atendimento' }),
    h('h1', null, 'Canais de Atendimento'),
    channels.length === 0 ? h('p', { class: 'muted' }, 'Nenhum canal nesta conta.') :
    h('ul', { class: 'list', 'aria-label': 'Canais' }, channels.map((c) => h('li', null,
      h('span', { class: 'grow' }, h('a', { href: `#/canais/${c.id}` }, c.name), h('br'), h('span', { class: 'muted' }, kindLabel[c.kind] || c.kind)),
      c.official ? h('span', { class: 'badge' }, 'Oficial') : null,
      c.status === 'removed' ? h('span', { class: 'badge removed' }, 'Removido') : h('span', { class: 'badge ok' }, 'Ativo')))));
}

// ---------- channel page (step 3) ----------
function impactView(im) {
  const m = im.meta || {};
  const r = im.references || {};
  const metaObjs = [m.waba_id && `WABA ${m.waba_id}`, m.phone_number_id && `número ${m.phone_number_id}`, m.page_id && `página ${m.page_id}`].filter(Boolean);
  return h('div', null,
    h('dl', { class: 'facts' },
      h('dt', null, 'Integração oficial'), h('dd', null, im.official_integration ? 'Sim (Meta)' : 'Não'),
      h('dt', null, 'Objetos vinculados na Meta'), h('dd', null, metaObjs.length ? metaObjs.join(', ') : 'Nenhum'),
      h('dt', null, 'Conversas'), h('dd', null, im.conversations_capped ? `mais de ${im.conversations}` : String(im.conversations)),
      h('dt', null, 'Referências'), h('dd', null,
        `${r.automations || 0} automação(ões), ${r.routing_rules || 0} regra(s) de roteamento, ${r.chatbots || 0} chatbot(s), ${r.webhooks || 0} webhook(s)`),
      h('dt', null, 'Atendimentos ativos'), h('dd', null, (im.active_attendances || []).length
        ? (im.active_attendances || []).map((a) => `${a.contact} (${a.status === 'open' ? 'aberto' : 'pendente'})`).join(', ') : 'Nenhum')),
    (im.warnings || []).length ? h('div', null, h('h2', null, 'Avisos'), h('ul', { class: 'warnings' }, im.warnings.map((w) => h('li', null, w)))) : null);
}

function problemDetails(err) {
  if (err.code === 'active_attendances') {
    const list = err.body.active_attendances || [];
    return h('div', null, h('p', null, 'Encerre estes atendimentos antes de remover o canal:'),
      h('ul', null, list.map((a) => h('li', null, `${a.contact} (${a.status === 'open' ? 'aberto' : 'pendente'})`))));
  }
  if (err.code === 'removal_in_progress' && err.body.id) {
    return h('p', null, h('a', { href: `#/remocoes/${err.body.id}` }, 'Abrir a remoção em andamento'));
  }
  if (err.code === 'invalid_code' && err.body.attempts_left !== undefined) {
    return h('p', null, `Tentativas restantes: ${err.body.attempts_left}`);
  }
  return null;
}

const running = ['preflight', 'awaiting_acknowledgement', 'awaiting_code', 'removing', 'unlinking'];

async function channelPage(id) {
  const ch = await api('GET', `/v1/channels/${id}`);
  let latest = null;
  try { latest = await api('GET', removalPath(ch.removal_id)); } catch (e) { if (!(e instanceof Problem) || e.status !== 404) throw e; }
  const msg = h('div');
  const isAdmin = me.role === 'admin';
  const removed = ch.status === 'removed';
  const inFlight = latest && running.includes(latest.status);
  const removeBtn = h('button', { type: 'button', class: 'danger', disabled: !isAdmin || removed || undefined,
    'aria-describedby': !isAdmin ? 'why-not' : null, onclick: async () => {
      msg.replaceChildren();
      removeBtn.disabled = true;
      announce('Verificando se o canal pode ser removido…');
      try {
        showRemoval(await api('POST', `/v1/channels/${id}/removals`));
      } catch (err) {
        msg.replaceChildren(errorBox(err, problemDetails(err)));
        removeBtn.disabled = false;
      }
    } }, 'Remover conta');
  show(ch.name,
    crumbs({ text: 'Conta', href: '#/ajustes/conta' }, { text: 'Canais de Atendimento', href: '#/canais' }, { text: ch.name }),
    h('h1', null, ch.name, ' ', removed ? h('span', { class: 'badge removed' }, 'Removido') : null),
    h('section', { class: 'card', 'aria-labelledby': 'details-h' },
      h('h2', { id: 'details-h' }, 'Detalhes'),
      h('dl', { class: 'facts' },
        h('dt', null, 'Tipo'), h('dd', null, kindLabel[ch.kind] || ch.kind),
        h('dt', null, 'Oficial'), h('dd', null, ch.official ? 'Sim' : 'Não'),
        h('dt', null, 'Situação'), h('dd', null, removed ? `Removido em ${fmtDate(ch.removed_at)}` : 'Ativo')),
      h('p', null, h('a', { href: `#/canais/${id}/conversas` }, 'Conversas'))),
    ch.impact ? h('section', { class: 'card', 'aria-labelledby': 'impact-h' }, h('h2', { id: 'impact-h' }, 'O que a remoção afeta'), impactView(ch.impact)) : null,
    inFlight ? h('div', { class: 'notice' }, h('p', null, `Há uma remoção deste canal em andamento: ${statusLabel[latest.status] || latest.status}.`),
      h('a', { href: `#/remocoes/${latest.id}`, class: 'button' }, 'Retomar remoção')) : null,
    latest && !inFlight ? h('p', { class: 'muted' }, `Última remoção: ${statusLabel[latest.status] || latest.status} em ${fmtDate(latest.updated_at)} · `,
      h('a', { href: `#/remocoes/${latest.id}` }, 'ver')) : null,
    removed ? null : h('div', { class: 'actions' }, removeBtn),
    !isAdmin && !removed ? h('p', { id: 'why-not', class: 'muted' }, 'Apenas administradores da conta podem remover canais.') : null,
    msg);
}

// ---------- removal: alert, validation, progress, outcome (steps 4–5) ----------
const stepNames = [['awaiting_acknowledgement', 'Alerta'], ['awaiting_code', 'Validação'], ['removing', 'Remoção'], ['completed', 'Concluída']];
function stepsBar(status) {
  const order = { preflight: 0, awaiting_acknowledgement: 0, awaiting_code: 1, removing: 2, unlinking: 2, completed: 3, completed_with_warnings: 3 };
  const at = order[status];
  return h('ol', { class: 'steps', 'aria-label': 'Etapas' }, stepNames.map(([, name], i) =>
    h('li', { class: i === at ? 'current' : null, 'aria-current': i === at ? 'step' : null }, `${i + 1}. ${name}`)));
}

// An action's answer is the removal document (SPEC §3): the screen that
// follows renders it instead of reading it again; only waiting reads it.
let answered = null;
function showRemoval(r) {
  answered = r;
  go(`#/remocoes/${r.id}`);
}

async function removalPage(id) {
  const fresh = answered && answered.id === id;
  const r = fresh ? answered : await api('GET', removalPath(id));
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

function cancelButton(r, msg) {
  return h('button', { type: 'button', onclick: async () => {
    msg.replaceChildren();
    try {
      const after = await api('POST', removalPath(r.id) + '/cancel');
      announce('Remoção cancelada.');
      showRemoval(after);
    } catch (err) { msg.replaceChildren(errorBox(err, problemDetails(err))); }
  } }, 'Cancelar');
}

function alertScreen(r, head) {
  const msg = h('div');
  const ack = h('input', { type: 'checkbox', id: 'ack' });
  const cont = h('button', { type: 'button', class: 'danger', onclick: async () => {
    msg.replaceChildren();
    if (!ack.checked) {
      msg.replaceChildren(errorBox(new Error('Marque "Estou ciente e desejo prosseguir com a remoção" para continuar.')));
      ack.focus();
      return;
    }
    cont.disabled = true;
    try {
      showRemoval(await api('POST', removalPath(r.id) + '/acknowledge', { acknowledged: true }));
    } catch (err) { msg.replaceChildren(errorBox(err, problemDetails(err))); cont.disabled = false; }
  } }, 'Continuar');
  show('Alerta de remoção irreversível', ...head,
    h('section', { class: 'card alert-box', role: 'alertdialog', 'aria-labelledby': 'alert-h', 'aria-describedby': 'alert-d' },
      h('h1', { id: 'alert-h' }, `Remover "${(r.impact && r.impact.channel_name) || 'canal'}"?`),
      h('p', { id: 'alert-d' }, h('strong', null, 'Esta ação é irreversível.'),
        ' O canal não poderá ser reativado; se for adicionado de novo, será um canal novo. As conversas continuam visíveis, mas não será possível enviar mensagens por elas.'),
      r.impact ? impactView(r.impact) : null,
      h('label', { class: 'check', for: 'ack' }, ack, h('span', null, 'Estou ciente e desejo prosseguir com a remoção')),
      msg,
      h('div', { class: 'actions' }, cont, cancelButton(r, msg))));
}

function codeScreen(r, head) {
  const msg = h('div');
  const input = h('input', { type: 'text', id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10, 'aria-describedby': 'code-help' });
  const cont = h('button', { type: 'submit', class: 'primary' }, 'Continuar');
  const resend = h('button', { type: 'button' }, 'Reenviar código');
  const countdown = h('span', { class: 'muted', 'aria-live': 'polite' });
  const help = h('p', { id: 'code-help', class: 'muted' }, `Enviado para ${maskEmail(r.code_sent_to)}. Vale até ${fmtDate(r.code_expires_at)}; ${r.attempts_left} tentativa(s) restante(s).`);
  let left = 0;
  const tick = () => {
    if (left > 0) {
      resend.disabled = true;
      countdown.textContent = ` Você poderá pedir um novo código em ${left} s.`;
      left -= 1;
      later(tick, 1000);
    } else {
      resend.disabled = false;
      countdown.textContent = '';
    }
  };
  resend.addEventListener('click', async () => {
    msg.replaceChildren();
    resend.disabled = true;
    try {
      await api('POST', removalPath(r.id) + '/resend-code');
      msg.replaceChildren(h('p', { class: 'success', role: 'status' }, `Enviamos um novo código para ${maskEmail(r.code_sent_to)}. O código anterior deixou de valer.`));
      resend.disabled = false;
    } catch (err) {
      if (err.code === 'resend_too_soon') {
        left = err.retryAfter || err.body.retry_after || 60;
        msg.replaceChildren(errorBox(err));
        tick();
      } else {
        msg.replaceChildren(errorBox(err, problemDetails(err)));
        resend.disabled = false;
      }
    }
  });
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    cont.disabled = true;
    try {
      showRemoval(await api('POST', removalPath(r.id) + '/verify', { code: input.value }));
    } catch (err) {
      msg.replaceChildren(errorBox(err, problemDetails(err)));
      cont.disabled = false;
      if (err.code === 'invalid_code' && err.body.attempts_left !== undefined) {
        help.textContent = `Enviado para ${maskEmail(r.code_sent_to)}. Vale até ${fmtDate(r.code_expires_at)}; ${err.body.attempts_left} tentativa(s) restante(s).`;
      }
      if (['locked', 'code_expired', 'invalid_state'].includes(err.code)) later(route, 2500);
      else { input.select(); input.focus(); }
    }
  } },
  h('label', { for: 'code' }, 'Código de verificação'), input,
  help,
  msg,
  h('div', { class: 'actions' }, cont, resend, cancelButton(r, msg)), countdown);
  show('Validação', ...head,
    h('section', { class: 'card' },
      h('h1', null, 'Validação da remoção'),
      h('p', null, 'Para sua segurança, enviamos um código de verificação para o e-mail do administrador da conta: ', h('strong', null, maskEmail(r.code_sent_to)), '.'),
      form));
  input.focus();
}

function progressScreen(r, head) {
  const done = !running.includes(r.status);
  const removed = ['unlinking', 'completed', 'completed_with_warnings'].includes(r.status) ||
    (r.status === 'removing' && r.meta_unlink && r.meta_unlink.status !== 'not_started');
  const outcome = {
    rejected: 'A remoção foi recusada; nada foi alterado.',
    cancelled: 'A remoção foi cancelada; nada foi alterado.',
    expired: 'A remoção expirou antes de ser confirmada; nada foi alterado. Você pode começar de novo pela página do canal.',
    locked: 'A remoção foi bloqueada após 5 códigos incorretos; nada foi alterado. Você pode começar de novo pela página do canal.',
    failed: 'A remoção falhou. Tente de novo pela página do canal ou fale com o suporte.',
  }[r.status];
  const mu = r.meta_unlink || {};
  show(statusLabel[r.status] || r.status, ...head,
    h('section', { class: 'card', 'aria-live': 'polite' },
      h('h1', null, removed ? 'Canal removido' : (statusLabel[r.status] || r.status)),
      !done ? h('p', null, h('strong', null, statusLabel[r.status] || r.status), '… esta página se atualiza sozinha.') : null,
      removed ? h('p', { class: 'success' }, `"${(r.impact && r.impact.channel_name) || 'O canal'}" foi removido: não recebe nem envia mensagens, e suas conversas continuam visíveis, marcadas como de canal removido.`) : null,
      outcome ? h('p', { class: r.status === 'cancelled' ? 'notice' : 'error' }, outcome) : null,
      (r.reasons || []).length ? h('ul', null, r.reasons.map((x) => h('li', null, x.message))) : null,
      r.status === 'completed_with_warnings' ? h('div', { class: 'notice' },
        h('p', null, h('strong', null, 'Removido com avisos: '), 'o canal foi removido, mas a Meta não confirmou o desvínculo do nosso aplicativo.'),
        mu.last_error ? h('p', null, `Motivo: ${mu.last_error}`) : null,
        h('p', null, 'A equipe de operações pode tentar o desvínculo de novo (sinal retry-unlink) enquanto o prazo estiver aberto; nada mais é necessário da sua parte.')) : null,
      (r.notes || []).filter((n) => !n.startsWith('Sinal ')).map((n) => h('p', { class: 'notice' }, n)),
      h('dl', { class: 'facts' },
        h('dt', null, 'Situação'), h('dd', null, statusLabel[r.status] || r.status),
        h('dt', null, 'Desvínculo na Meta'), h('dd', null, metaLabel(mu)),
        h('dt', null, 'Iniciada'), h('dd', null, fmtDate(r.created_at)),
        r.completed_at ? [h('dt', null, 'Concluída'), h('dd', null, fmtDate(r.completed_at))] : null),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/canais/${r.channel_id}/conversas` }, 'Conversas'),
        h('a', { class: 'button', href: '#/canais' }, 'Canais de Atendimento'),
        h('a', { class: 'button', href: `#/historico/${r.id}` }, 'Histórico de remoções'))));
  announce(removed ? 'Canal removido' : (statusLabel[r.status] || r.status));
  if (!done || r.status === 'completed_with_warnings') awaitChange(r);
}

// awaitChange asks the server to answer once the removal's status is no
// longer r's (a waiting read, up to 25 s), then shows the removal as it is
// then: each step appears the moment it is written. Should the read fail,
// the screen reads again a few seconds later; should it come back at once
// unchanged (a server that does not wait), the next one waits a second.
async function awaitChange(r) {
  const ctl = new AbortController();
  waiting = ctl;
  const asked = Date.now();
  let next;
  try {
    next = await api('GET', `${removalPath(r.id)}?status=${encodeURIComponent(r.status)}&wait=25`, undefined, ctl.signal);
  } catch (err) {
    if (waiting === ctl) { waiting = null; later(route, 3000); }
    return;
  }
  if (waiting !== ctl) return; // the admin left this screen meanwhile
  waiting = null;
  if (next.status === r.status && Date.now() - asked < 1000) later(() => showRemoval(next), 1000);
  else showRemoval(next);
}

function metaLabel(mu) {
  return ({ not_started: 'Ainda não iniciado', not_needed: 'Não necessário (sem integração oficial)', unlinking: 'Em andamento',
    unlinked: 'Aplicativo desvinculado', skipped: 'Mantido: a WABA é usada por outro canal ativo', failed: 'Falhou (pode ser tentado de novo)',
    abandoned: 'Não concluído dentro do prazo' })[mu.status] || mu.status || '—';
}

// ---------- conversations (step 6) ----------
async function conversations(channelId) {
  const [ch, { conversations }] = await Promise.all([api('GET', `/v1/channels/${channelId}`), api('GET', `/v1/channels/${channelId}/conversations`)]);
  show(`Conversas · ${ch.name}`,
    crumbs({ text: 'Canais de Atendimento', href: '#/canais' }, { text: ch.name, href: `#/canais/${channelId}` }, { text: 'Conversas' }),
    h('h1', null, `Conversas de ${ch.name}`),
    conversations.length === 0 ? h('p', { class: 'muted' }, 'Nenhuma conversa neste canal.') :
    h('ul', { class: 'list', 'aria-label': 'Conversas' }, conversations.map((c) => h('li', null,
      h('a', { href: `#/conversas/${c.id}`, class: 'grow' }, c.contact),
      h('span', { class: 'muted' }, ({ open: 'Aberta', pending: 'Pendente', closed: 'Encerrada' })[c.status] || c.status),
      c.channel_removed ? h('span', { class: 'badge removed' }, 'Canal removido') : null))));
}

async function conversation(id) {
  const conv = await api('GET', `/v1/conversations/${id}`);
  const msg = h('div');
  const text = h('textarea', { id: 'text', maxlength: 4000 });
  const list = h('ul', { class: 'messages', 'aria-label': 'Mensagens' }, conv.messages.map(messageItem));
  const empty = h('p', { class: 'muted' }, 'Nenhuma mensagem ainda.');
  const send = h('button', { type: 'submit', class: 'primary' }, 'Enviar');
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    send.disabled = true;
    try {
      await api('POST', `/v1/conversations/${id}/messages`, { text: text.value });
      list.append(messageItem({ text: text.value, author: me.name, created_at: new Date().toISOString() }));
      empty.remove();
      text.value = '';
      announce('Mensagem enviada');
    } catch (err) { msg.replaceChildren(errorBox(err)); } finally { send.disabled = false; }
  } }, h('label', { for: 'text' }, 'Mensagem'), text, msg, h('div', { class: 'actions' }, send));
  show(`Conversa com ${conv.contact}`,
    crumbs({ text: 'Conversas', href: `#/canais/${conv.channel_id}/conversas` }, { text: conv.contact }),
    h('h1', null, `Conversa com ${conv.contact} `, conv.channel_removed ? h('span', { class: 'badge removed' }, 'Canal removido') : null),
    conv.channel_removed ? h('p', { class: 'notice' }, 'O canal desta conversa foi removido. Para continuar falando com este contato, inicie um novo atendimento por meio de outro canal.') : null,
    conv.channel_removed ? await continueBox(conv) : null,
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
  return h('form', { class: 'card', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    msg.replaceChildren();
    start.disabled = true;
    try {
      const c = await api('POST', `/v1/conversations/${conv.id}/continue`, { channel_id: select.value });
      go(`#/conversas/${c.id}`);
    } catch (err) { msg.replaceChildren(errorBox(err)); start.disabled = false; }
  } }, h('h2', null, 'Iniciar novo atendimento'),
  options.length ? [h('label', { for: 'target' }, 'Canal'), select] : h('p', { class: 'muted' }, 'Não há outro canal ativo nesta conta.'),
  msg, h('div', { class: 'actions' }, start));
}

// ---------- removal history ----------
async function history() {
  const { removals } = await api('GET', '/v1/removals');
  show('Histórico de remoções',
    crumbs({ text: 'Ajustes', href: '#/ajustes/conta' }, { text: 'Conta', href: '#/ajustes/conta' }, { text: 'Histórico de remoções' }),
    h('h1', null, 'Histórico de remoções'),
    removals.length === 0 ? h('p', { class: 'muted' }, 'Nenhuma remoção nesta conta.') :
    h('ul', { class: 'list', 'aria-label': 'Remoções' }, removals.map((r) => h('li', null,
      h('span', { class: 'grow' }, h('a', { href: `#/historico/${r.id}` }, r.channel_name), h('br'),
        h('span', { class: 'muted' }, `por ${r.requested_by_name || r.requested_by || '—'} em ${fmtDate(r.created_at)}`,
          r.completed_at ? ` · encerrada em ${fmtDate(r.completed_at)}` : '')),
      h('span', { class: 'badge' + (r.status === 'completed' ? ' ok' : r.status === 'completed_with_warnings' ? ' warn' : '') }, statusLabel[r.status] || r.status)))));
}

async function auditPage(id) {
  const [{ entries }, r] = await Promise.all([api('GET', removalPath(id) + '/audit'), api('GET', removalPath(id)).catch(() => null)]);
  show('Auditoria da remoção',
    crumbs({ text: 'Histórico de remoções', href: '#/historico' }, { text: 'Auditoria' }),
    h('h1', null, `Auditoria: ${(r && r.impact && r.impact.channel_name) || id}`),
    r ? h('p', null, `Situação atual: ${statusLabel[r.status] || r.status} · `, h('a', { href: `#/remocoes/${id}` }, 'abrir a remoção')) : null,
    h('table', { class: 'audit' },
      h('thead', null, h('tr', null, h('th', null, 'Quando'), h('th', null, 'O quê'), h('th', null, 'Quem'), h('th', null, 'IP'))),
      h('tbody', null, entries.map((e) => h('tr', null,
        h('td', null, fmtDate(e.created_at)), h('td', null, actionLabel[e.action] || e.action),
        h('td', null, e.actor_name || e.actor_user_id || 'sistema'), h('td', null, e.actor_ip || '—'))))));
}

// ---------- router ----------
const routes = [
  [/^#\/entrar$/, () => signIn()],
  [/^#\/ajustes\/conta$/, account],
  [/^#\/canais$/, channels],
  [/^#\/canais\/([\w-]+)$/, channelPage],
  [/^#\/canais\/([\w-]+)\/conversas$/, conversations],
  [/^#\/conversas\/([\w-]+)$/, conversation],
  [/^#\/remocoes\/([\w:-]+)$/, removalPage],
  [/^#\/historico$/, history],
  [/^#\/historico\/([\w:-]+)$/, auditPage],
];

async function route() {
  stopScreen();
  closeMenu();
  const hash = location.hash || '#/ajustes/conta';
  if (!me && hash !== '#/entrar') {
    try { await loadMe(); } catch (e) { signIn(hash); return; }
  }
  for (const [re, fn] of routes) {
    const m = hash.match(re);
    if (m) {
      try { await fn(...m.slice(1).map(decodeURIComponent)); } catch (err) {
        if (err instanceof Problem && err.status === 401) return;
        show('Erro', h('h1', null, 'Algo deu errado'), errorBox(err), h('p', null, h('a', { href: '#/canais' }, 'Voltar aos canais')));
      }
      return;
    }
  }
  show('Página não encontrada', h('h1', null, 'Página não encontrada'), h('p', null, h('a', { href: '#/ajustes/conta' }, 'Ir para Ajustes › Conta')));
}

// ---------- menu and session ----------
const menuBtn = document.getElementById('menu-ajustes');
const menuList = document.getElementById('menu-ajustes-list');
function closeMenu() { menuList.hidden = true; menuBtn.setAttribute('aria-expanded', 'false'); }
menuBtn.addEventListener('click', () => {
  const open = menuList.hidden;
  menuList.hidden = !open;
  menuBtn.setAttribute('aria-expanded', String(open));
  if (open) document.getElementById('menu-conta').focus();
});
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !menuList.hidden) { closeMenu(); menuBtn.focus(); } });
document.getElementById('signout').addEventListener('click', async () => {
  try { await api('DELETE', '/v1/session'); } finally { me = null; go('#/entrar'); }
});
// A session that ended mid-screen stops the screen, so nothing it left
// running redraws the sign-in form under the admin's typing.
window.addEventListener('unauthorized', () => { stopScreen(); me = null; if (location.hash !== '#/entrar') signIn(location.hash); });
window.addEventListener('hashchange', route);
route();
