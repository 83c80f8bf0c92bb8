// The writer's list of their posts, drafts and scheduled ones included,
// and what the writer's pages share. The editor is editor.js.
import { pb, me } from './api.js';
import { site } from './boot.js';
import { h, show, formatDate, formatPrice, errorMessage } from './dom.js';
import { navigate, say } from './nav.js';

// requireUser is the signed-in writer, or null after sending a guest to
// the login page.
export function requireUser() {
  const user = me();
  if (!user) navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
  return user;
}

// formatDateTime is a date with its time, in the reader's own zone.
export function formatDateTime(value) {
  if (!value) return '';
  const date = new Date(String(value).replace(' ', 'T'));
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// statusText says where a post stands: Draft, Published <date> or
// Scheduled for <date and time>.
export function statusText(post) {
  if (post.status === 'published') return `Published ${formatDate(post.published)}`;
  if (post.status === 'scheduled') return `Scheduled for ${formatDateTime(post.published)}`;
  return 'Draft';
}

export async function writerPage(view) {
  const user = requireUser();
  if (!user) return;
  const posts = await pb.collection('posts').getFullList({
    filter: pb.filter('author = {:me}', { me: user.id }), sort: '-created',
  });
  // prices matter where payments are on, or where a post has one anyway
  const priced = site.payments || posts.some((post) => post.price > 0);
  const columns = ['Title', 'Status', priced && 'Price', 'Comments', 'Actions'].filter(Boolean);
  // each cell names its column, which narrow screens show in place of the
  // header row (style.css)
  const cell = (label, ...children) => h('td', { 'data-label': label }, ...children);
  const rows = posts.map((post) => h('tr', { class: `status-${post.status}` },
    h('td', { class: 'title' }, h('a', { href: `/posts/${encodeURIComponent(post.slug || post.id)}` }, post.title)),
    cell('Status', statusText(post)),
    priced && cell('Price', post.price > 0 ? formatPrice(post.price, post.currency) : 'Free'),
    cell('Comments', String(post.commentsCount)),
    h('td', { class: 'actions-cell' },
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
      : h('table', { class: 'my-posts' },
        h('thead', null, h('tr', null, columns.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows)));
}
