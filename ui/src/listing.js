// The public listing (home page) and an author's page: published posts,
// newest first, with "Older posts" following the listing's cursor.
import { pb, listPosts } from './api.js';
import { h, show, formatDate, formatPrice, errorMessage } from './dom.js';

export async function listingPage(view) {
  show(view, h('h1', null, 'Latest posts'));
  await postList(view, {});
}

export async function authorPage(view, [username]) {
  let author;
  try {
    author = await pb.collection('users').getFirstListItem(pb.filter('username = {:u}', { u: username }));
  } catch (err) {
    if (err.status === 404) throw err;
    throw new Error(errorMessage(err));
  }
  show(view,
    h('h1', null, author.name || author.username),
    h('p', { class: 'muted' }, `@${author.username}`),
    author.bio && h('p', { class: 'bio' }, author.bio),
    h('h2', null, 'Posts'));
  await postList(view, { author: author.username }, { showAuthor: false, level: 'h3' });
}

// postList appends the listing's first page to view and a button that
// loads the next ones in place.
async function postList(view, query, { showAuthor = true, level = 'h2' } = {}) {
  const list = h('ol', { class: 'posts' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older posts');
  const empty = h('p', { class: 'muted', hidden: true }, 'No posts yet.');
  view.append(list, empty, more);

  let cursor = '';
  async function load() {
    more.disabled = true;
    const page = await listPosts({ ...query, perPage: 10, ...(cursor ? { cursor } : {}) });
    const first = list.children.length;
    for (const post of page.items) list.append(h('li', null, postSummary(post, showAuthor, level)));
    empty.hidden = list.children.length > 0;
    cursor = page.nextCursor || '';
    more.hidden = !cursor;
    more.disabled = false;
    // keyboard users continue from the first post just loaded
    if (first > 0 && list.children[first]) list.children[first].querySelector('a')?.focus();
  }
  more.addEventListener('click', () => load().catch((err) => { more.disabled = false; alertIn(view, err); }));
  await load();
}

function alertIn(view, err) {
  let alert = view.querySelector('.error');
  if (!alert) view.append(alert = h('p', { role: 'alert', class: 'error' }));
  alert.textContent = errorMessage(err);
}

// postSummary is a post as the listing shows it; the title, names and
// summary are text.
export function postSummary(post, showAuthor = true, level = 'h2') {
  const author = post.expand?.author;
  return h('article', { class: 'post-summary' },
    h(level, null, h('a', { href: `/posts/${post.slug || post.id}` }, post.title)),
    h('p', { class: 'byline' },
      showAuthor && author && ['by ', h('a', { href: `/authors/${author.username}` }, author.name || author.username), ' · '],
      h('time', { datetime: post.published }, formatDate(post.published)),
      post.price > 0 && [' · ', h('span', { class: 'badge' }, `Paid · ${formatPrice(post.price, post.currency)}`)]),
    post.summary && h('p', null, post.summary));
}
