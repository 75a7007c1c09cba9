// The CRM admin's screens for removing a channel (SPEC §6), routed by the URL
// hash so that the server serves one page. Each screen is a module under
// screens/ with a function that fills <main>; this file routes to them and
// keeps the top bar (menu, sign-out).
import { api, Problem } from './api.js';
import { h, errorBox } from './ui.js';
import { go, onRoute, session, show, stopScreen } from './screen.js';
import { signIn, loadMe } from './screens/signin.js';
import { account } from './screens/account.js';
import { channels } from './screens/channels.js';
import { channelPage } from './screens/channel.js';
import { removalPage } from './screens/removal.js';
import { conversations, conversation } from './screens/conversations.js';
import { history, auditPage } from './screens/history.js';
import { integrations } from './screens/integrations.js';

const routes = [
  [/^#\/entrar$/, () => signIn()],
  [/^#\/ajustes\/conta$/, account],
  [/^#\/ajustes\/conta\/integracoes$/, integrations],
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
  if (!session.me && hash !== '#/entrar') {
    try { await loadMe(); } catch (e) { signIn(hash); return; }
  }
  for (const [re, screen] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    try { await screen(...m.slice(1).map(decodeURIComponent)); } catch (err) {
      if (err instanceof Problem && err.status === 401) return;
      show('Erro', h('h1', null, 'Algo deu errado'), errorBox(err), h('p', null, h('a', { href: '#/canais' }, 'Voltar aos canais')));
    }
    return;
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
  try { await api('DELETE', '/v1/session'); } finally { session.me = null; go('#/entrar'); }
});
// A session that ended mid-screen stops the screen, so nothing it left
// running redraws the sign-in form under the admin's typing.
window.addEventListener('unauthorized', () => { stopScreen(); session.me = null; if (location.hash !== '#/entrar') signIn(location.hash); });
window.addEventListener('hashchange', route);
onRoute(route);
route();
