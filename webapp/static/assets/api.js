// The web app talks to the same /v1 API as every other client, with the
// session cookie (same origin). Errors are RFC 9457 problems; their pt-BR
// `detail` is what the screens show.

export class Problem extends Error {
  constructor(status, body, headers) {
    super((body && body.detail) || `Erro ${status}`);
    this.status = status;
    this.code = (body && body.code) || 'error';
    this.body = body || {};
    this.retryAfter = Number(headers && headers.get('Retry-After')) || 0;
  }
}

// signal (optional) aborts the request: a waiting read the screen left.
export async function api(method, path, body, signal) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new Problem(0, { code: 'network', detail: 'Não foi possível falar com o servidor. Verifique sua conexão com a rede e tente novamente.' });
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/v1/session') {
      window.dispatchEvent(new CustomEvent('unauthorized'));
    }
    throw new Problem(res.status, data, res.headers);
  }
  return data;
}

export const removalPath = (id) => '/v1/removals/' + encodeURIComponent(id).replace(/%3A/gi, ':');
