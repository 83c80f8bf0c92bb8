// The app builds its pages from elements, never from HTML strings: every
// title, name and comment goes into a text node, so nothing a user wrote
// can become markup. The one exception is a post body, which the server
// sanitizes on every write path (see post.js).

// h creates an element. Attributes named on… are event listeners; true
// sets a boolean attribute, null/false/undefined leave it out. Children
// may be nodes, strings (text), arrays, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

// add appends children to what el holds, as h does: null and false are
// skipped (el.append would show them as the text "null", "false").
export function add(el, ...children) {
  append(el, children);
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// show replaces what el holds.
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

export function formatDate(value) {
  if (!value) return '';
  const date = new Date(value.replace(' ', 'T'));
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatPrice(price, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'CNY' }).format(price);
  } catch {
    return `${price} ${currency}`;
  }
}

// errorMessage turns an SDK error into a sentence, with the per-field
// messages PocketBase sends for validation errors.
export function errorMessage(err) {
  const data = err?.response?.data || {};
  const message = err?.response?.message || err?.message || 'Something went wrong.';
  const fields = Object.entries(data)
    .map(([field, e]) => [field, e?.message || String(e)])
    .filter(([, text]) => text !== message)
    .map(([field, text]) => `${field}: ${text}`);
  return fields.length ? `${message} ${fields.join('; ')}` : message;
}

// formError shows err in the form's alert element: fields the server
// named are marked invalid (aria-invalid, described by the alert) and the
// first of them takes the focus; the message names fields by their label.
export function formError(form, alert, err) {
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    el.removeAttribute('aria-describedby');
  }
  if (!err) {
    alert.textContent = '';
    return;
  }
  if (!alert.id) alert.id = `alert-${Math.random().toString(36).slice(2)}`;
  const data = err?.response?.data || {};
  const parts = [];
  let first = null;
  for (const [name, e] of Object.entries(data)) {
    const field = form.elements.namedItem(name);
    const label = field?.labels?.[0]?.textContent.replace(/\s*\(.*\)$/, '') || name;
    parts.push(`${label}: ${e?.message || e}`);
    if (field instanceof HTMLElement) {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-describedby', alert.id);
      first = first || field;
    }
  }
  alert.textContent = parts.length ? parts.join(' ') : errorMessage(err);
  first?.focus();
}
