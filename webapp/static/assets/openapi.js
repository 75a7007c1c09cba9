// The API's readable page: renders /openapi.json (api/openapi) with plain
// DOM, from this origin only: no renderer from a CDN, nothing to build.
// Text is set with textContent, never parsed as HTML.

const main = document.getElementById('main');

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// prose renders the document's light Markdown: paragraphs, lines starting
// with "- " as a list, `code` and **bold**.
function prose(text) {
  const out = [];
  for (const block of String(text || '').trim().split(/\n\s*\n/)) {
    const lines = block.split('\n').map((l) => l.trim());
    if (lines.every((l) => l.startsWith('- '))) {
      out.push(el('ul', {}, lines.map((l) => el('li', {}, inline(l.slice(2))))));
    } else if (block.trim()) {
      out.push(el('p', {}, inline(lines.join(' '))));
    }
  }
  return out;
}

function inline(text) {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return el('code', {}, part.slice(1, -1));
    if (part.startsWith('**') && part.endsWith('**')) return el('strong', {}, part.slice(2, -2));
    return part;
  });
}

const refName = (ref) => ref.split('/').pop();
const schemaLink = (ref) => el('a', { href: '#schema-' + refName(ref) }, refName(ref));

// typeOf is a schema in one line: its type, a link for a $ref.
function typeOf(s) {
  if (!s) return '';
  if (s.$ref) return schemaLink(s.$ref);
  if (s.anyOf || s.oneOf || s.allOf) {
    const parts = (s.anyOf || s.oneOf || s.allOf).map(typeOf);
    return parts.flatMap((p, i) => (i ? [s.allOf ? ' + ' : ' | ', p] : [p]));
  }
  const t = [].concat(s.type || 'any').join(' | ');
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) return [t + ' de ', typeOf(s.items)];
  const extra = s.enum ? ' (' + s.enum.join(', ') + ')' : s.const !== undefined ? ' = ' + JSON.stringify(s.const) : s.format ? ' (' + s.format + ')' : '';
  return t + extra;
}

function schemaTable(s) {
  if (!s || !s.properties) return el('p', {}, typeOf(s));
  const req = new Set(s.required || []);
  return el('table', {}, el('tr', {}, el('th', {}, 'campo'), el('th', {}, 'tipo'), el('th', {}, 'descrição')),
    Object.entries(s.properties).map(([name, p]) => el('tr', {},
      el('td', {}, el('code', {}, name), req.has(name) ? ' *' : ''), el('td', {}, typeOf(p)), el('td', {}, inline(p.description || '')))));
}

function resolve(doc, obj) {
  return obj && obj.$ref ? doc.components[obj.$ref.split('/')[2]][refName(obj.$ref)] : obj;
}

function operation(doc, path, method, op) {
  const body = [];
  body.push(...prose(op.description));
  const params = (op.parameters || []).map((p) => resolve(doc, p));
  if (params.length) {
    body.push(el('h4', {}, 'Parâmetros'), el('table', { class: 'params' }, params.map((p) => el('tr', {},
      el('td', {}, el('code', {}, p.name), p.required ? ' *' : ''), el('td', {}, p.in), el('td', {}, typeOf(p.schema)),
      el('td', {}, inline((p.description || '').trim()))))));
  }
  const rb = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
  if (rb) body.push(el('h4', {}, 'Corpo'), schemaTable(rb.schema));
  body.push(el('h4', {}, 'Respostas'));
  const rows = Object.entries(op.responses || {}).map(([status, r]) => {
    r = resolve(doc, r);
    const [type, media] = Object.entries(r.content || {})[0] || [];
    const examples = Object.values((media && media.examples) || {}).map((e) => resolve(doc, e).value);
    return el('tr', {}, el('td', { class: 'status' }, status), el('td', {}, prose(r.description),
      media ? el('p', { class: 'muted' }, type, ': ', typeOf(media.schema)) : null,
      examples.map((v) => el('pre', {}, JSON.stringify(v, null, 2)))));
  });
  body.push(el('table', {}, rows));
  return el('details', { class: 'card op', id: op.operationId || '' },
    el('summary', {}, el('span', { class: 'method ' + method }, method), el('code', {}, path), el('span', {}, op.summary || '')),
    body);
}

function render(doc) {
  const byTag = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ['outros'])[0];
      if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
      byTag.get(tag).ops.push([path, method, op]);
    }
  }
  main.replaceChildren(...[
    el('h1', {}, doc.info.title, ' ', el('span', { class: 'badge' }, 'OpenAPI ' + doc.openapi)),
    el('p', {}, el('a', { href: '/openapi.json' }, '/openapi.json'), ' · versão ', doc.info.version),
    ...prose(doc.info.description),
    [...byTag.values()].map(({ tag, ops }) => el('section', {},
      el('h2', { id: 'tag-' + tag.name }, tag.name), ...prose(tag.description),
      ops.map(([p, m, o]) => operation(doc, p, m, o)))),
    el('h2', {}, 'Esquemas'),
    Object.entries(doc.components.schemas).map(([name, s]) => el('section', { class: 'card', id: 'schema-' + name },
      el('h3', {}, name), ...prose(s.description), s.allOf ? el('p', {}, typeOf(s)) : schemaTable(s))),
  ].flat(Infinity));
  // A link to an operation (#verifyCode) opens it.
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === 'DETAILS') {
    target.open = true;
    target.scrollIntoView();
  }
}

fetch('/openapi.json')
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status))))
  .then(render)
  .catch((e) => main.replaceChildren(el('h1', {}, 'API'), el('p', {}, 'Não foi possível carregar /openapi.json: ' + e.message)));
