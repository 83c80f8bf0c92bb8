// The editor's preview: the server renders the Markdown exactly as saving
// would store it (POST /api/blog/preview), a moment after the writer stops
// typing, so what they see is what readers will get.
import { pb } from './api.js';
import { h, show, errorMessage } from './dom.js';

// the pause in typing after which the preview is asked for
const pause = 400;

export function markdownPreview(textarea) {
  const status = h('p', { class: 'preview-status muted', role: 'status' });
  const body = h('div', { class: 'post-body preview-body' });
  let timer = null;
  let asked = 0; // answers to older requests than the last are dropped

  async function refresh() {
    clearTimeout(timer);
    const ticket = ++asked;
    const markdown = textarea.value;
    if (!markdown.trim()) {
      show(body);
      status.textContent = 'Nothing to preview yet.';
      return;
    }
    status.textContent = 'Updating the preview…';
    try {
      const answer = await pb.send('/api/blog/preview', { method: 'POST', body: { markdown } });
      // parsed in a template, where images do not load, so that the
      // author's own images are asked for once, with their token
      const parsed = document.createElement('template');
      // sanitized by the server, as every stored body (see post.js)
      parsed.innerHTML = answer.body;
      await withFileTokens(parsed.content);
      if (ticket !== asked) return;
      body.replaceChildren(parsed.content);
      status.textContent = '';
    } catch (err) {
      if (ticket !== asked) return;
      status.textContent = `The preview failed: ${errorMessage(err)}`;
    }
  }

  return {
    element: h('div', { class: 'preview' }, status, body),
    // changed asks for a preview once the writer pauses
    changed() {
      clearTimeout(timer);
      timer = setTimeout(refresh, pause);
    },
    refresh,
    stop() {
      clearTimeout(timer);
      asked += 1;
    },
  };
}

// An image uploaded for a post is protected: until it belongs to a
// published post only its owner may load it, with a file token in its
// address. Tokens last a few minutes; one serves the previews of a while.
const tokenLifetime = 60 * 1000;
let token = '';
let tokenAt = 0;

async function fileToken() {
  if (!token || Date.now() - tokenAt > tokenLifetime) {
    token = await pb.files.getToken();
    tokenAt = Date.now();
  }
  return token;
}

// withFileTokens adds the reader's file token to the addresses of post
// images inside root.
export async function withFileTokens(root) {
  const images = [...root.querySelectorAll('img[src]')].filter((img) => {
    const url = new URL(img.getAttribute('src'), location.origin);
    return url.origin === location.origin && url.pathname.startsWith('/api/files/postImages/');
  });
  if (images.length === 0) return;
  let value = '';
  try {
    value = await fileToken();
  } catch {
    return; // shown without: the images a reader may see anyway still load
  }
  for (const img of images) {
    const url = new URL(img.getAttribute('src'), location.origin);
    url.searchParams.set('token', value);
    img.setAttribute('src', url.pathname + url.search);
  }
}
