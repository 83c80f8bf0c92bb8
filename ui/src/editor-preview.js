// The editor's preview: the server renders the Markdown exactly as saving
// would store it (POST /api/blog/preview), a moment after the writer stops
// typing, so what they see is what readers will get.
import { pb, withFileTokens } from './api.js';
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
