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

// Idempotency keys of the requests that got no answer yet (no response, or a
// 5xx): the same request sent again, the admin clicking "Continuar" once
// more after a 503, carries the same key, so the server treats it as the
// same attempt (a second code check is never spent on one click).
const pendingKeys = new Map();

function idempotencyKey(method, path, body) {
  const id = method + ' ' + path + ' ' + (body === undefined ? '' : JSON.stringify(body));
  if (!pendingKeys.has(id)) {
    // getRandomValues, unlike randomUUID, exists outside secure contexts too.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    pendingKeys.set(id, Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return [id, pendingKeys.get(id)];
}

// signal (optional) aborts the request: a waiting read the screen left.
export async function api(method, path, body, signal) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let keyID = null;
  if ((method === 'POST' || method === 'PUT') && path.startsWith('/v1/')) {
    let key;
    [keyID, key] = idempotencyKey(method, path, body);
    init.headers['Idempotency-Key'] = key;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new Problem(0, { code: 'network', detail: 'Não foi possível falar com o servidor. Verifique sua conexão com a rede e tente novamente.' });
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  // Answered: a new click is a new request. Not while the first request
  // with the key still runs (409 idempotency_key_in_flight): the next click
  // asks for that request's answer.
  if (keyID !== null && res.status < 500 && !(data && data.code === 'idempotency_key_in_flight')) {
    pendingKeys.delete(keyID);
  }
  if (res.status === 204) return null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/v1/session') {
      window.dispatchEvent(new CustomEvent('unauthorized'));
    }
    throw new Problem(res.status, data, res.headers);
  }
  return data;
}

export const removalPath = (id) => '/v1/removals/' + encodeURIComponent(id).replace(/%3A/gi, ':');
