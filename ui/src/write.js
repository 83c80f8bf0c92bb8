// The writer's pages: their posts, drafts included, and the editor.
import { pb, me, getPost } from './api.js';
import { h, show, formatDate, formatPrice, errorMessage, formError } from './dom.js';
import { navigate, say } from './nav.js';

function requireUser() {
  const user = me();
  if (!user) navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
  return user;
}

export async function writerPage(view) {
  const user = requireUser();
  if (!user) return;
  const posts = await pb.collection('posts').getFullList({
    filter: pb.filter('author = {:me}', { me: user.id }), sort: '-created',
  });
  const rows = posts.map((post) => h('tr', null,
    h('td', null, h('a', { href: `/posts/${post.slug || post.id}` }, post.title)),
    h('td', null, post.status === 'published' ? `Published ${formatDate(post.published)}` : 'Draft'),
    h('td', null, post.price > 0 ? formatPrice(post.price, post.currency) : 'Free'),
    h('td', null, String(post.commentsCount)),
    h('td', null,
      h('a', { href: `/write/${post.id}`, 'aria-label': `Edit ${post.title}` }, 'Edit'), ' ',
      h('button', {
        type: 'button', class: 'link', 'aria-label': `Delete ${post.title}`,
        onclick: async () => {
          if (!confirm(`Delete "${post.title}" with its comments?`)) return;
          try {
            await pb.send(`/api/blog/posts/${post.id}`, { method: 'DELETE' });
            say('The post is deleted.');
            navigate('/write', { replace: true });
          } catch (err) {
            alert(errorMessage(err));
          }
        },
      }, 'Delete'))));
  show(view,
    h('h1', null, 'My posts'),
    h('p', null, h('a', { href: '/write/new', class: 'button' }, 'Write a new post')),
    posts.length === 0
      ? h('p', { class: 'muted' }, 'You have not written anything yet.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'my-posts' },
        h('thead', null, h('tr', null, ['Title', 'Status', 'Price', 'Comments', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows))));
}

export async function editorPage(view, [id]) {
  const user = requireUser();
  if (!user) return;
  const post = id ? await getPost(id) : { title: '', summary: '', body: '', status: 'draft', price: 0, currency: 'CNY' };
  if (id && post.author !== user.id) {
    const err = new Error('not yours');
    err.status = 404;
    throw err;
  }

  const error = h('div', { role: 'alert', class: 'error' });
  const input = (label, name, attrs = {}) => h('p', { class: 'field' },
    h('label', { for: `post-${name}` }, label),
    h('input', { id: `post-${name}`, name, ...attrs }));
  const body = h('textarea', { id: 'post-body', name: 'body', rows: 14, required: true });
  body.value = post.body || '';
  const form = h('form', { class: 'stack editor' },
    input('Title', 'title', { required: true, maxlength: 256, value: post.title }),
    input('Summary (optional; taken from the body when empty)', 'summary', { maxlength: 500, value: post.summary }),
    h('p', { class: 'field' },
      h('label', { for: 'post-body' }, 'Body (HTML: paragraphs, headings, lists, links, images, code; anything else is removed)'),
      body),
    h('p', { class: 'field' },
      h('label', { for: 'post-status' }, 'Status'),
      h('select', { id: 'post-status', name: 'status' },
        h('option', { value: 'draft', selected: post.status === 'draft' }, 'Draft (only you see it)'),
        h('option', { value: 'published', selected: post.status === 'published' }, 'Published'))),
    input('Price (0 for free)', 'price', { type: 'number', min: 0, max: 1000000, step: '0.01', value: post.price }),
    input('Currency (ISO code in capitals, e.g. CNY, USD, EUR)', 'currency', { maxlength: 3, pattern: '[A-Z]{3}', value: post.currency }),
    h('p', null, h('button', { type: 'submit' }, id ? 'Save' : 'Create')),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    data.price = Number(data.price || 0);
    try {
      const saved = await pb.send(id ? `/api/blog/posts/${id}` : '/api/blog/posts', { method: id ? 'PATCH' : 'POST', body: data });
      say(saved.status === 'published' ? 'The post is published.' : 'The draft is saved.');
      // Back from the post goes to the writer's list, not to a form that
      // would create the post again
      history.replaceState({}, '', '/write');
      navigate(`/posts/${saved.slug || saved.id}`);
    } catch (err) {
      formError(form, error, err);
    }
  });
  show(view, h('h1', null, id ? `Edit “${post.title}”` : 'Write a post'), form);
}
