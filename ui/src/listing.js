// The public listing (home page), an author's page and a tag's page:
// published posts, newest first, ten a page, with "Newer posts"/"Older
// posts" links to the neighbouring pages (?page=N), the same pages the
// server renders.
import { pb, listPosts, coverURL } from './api.js';
import { takeInitial, site } from './boot.js';
import { h, show, add, formatDate, formatPrice, errorMessage } from './dom.js';
import { tagList, tagPath } from './tags.js';

const perPage = 10;

export async function listingPage(view, _params, search) {
  const n = pageNumber(search);
  const page = takeInitial('listing')?.page || await listPosts({ page: n, perPage });
  if (n > 1 && n > page.totalPages) throw notFound();
  show(view, h('h1', null, 'Latest posts'));
  view.dataset.title = n > 1 ? `Page ${n} · ${site.name}` : site.name;
  view.dataset.feed = '/rss.xml';
  postList(view, page, '/', {});
}

export async function authorPage(view, [username], search) {
  const n = pageNumber(search);
  const initial = takeInitial('author');
  let author = initial?.author;
  if (!author) {
    try {
      author = await pb.collection('users').getFirstListItem(pb.filter('username = {:u}', { u: username }));
    } catch (err) {
      if (err.status === 404) throw err;
      throw new Error(errorMessage(err));
    }
  }
  const page = initial?.page || await listPosts({ author: author.username, page: n, perPage });
  if (n > 1 && n > page.totalPages) throw notFound();
  const name = author.name || author.username;
  show(view,
    h('h1', null, name),
    h('p', { class: 'muted' }, `@${author.username}`),
    author.bio && h('p', { class: 'bio' }, author.bio),
    h('h2', null, 'Posts'));
  view.dataset.title = `${name} (@${author.username})${n > 1 ? `, page ${n}` : ''} · ${site.name}`;
  view.dataset.feed = `/authors/${encodeURIComponent(author.username)}/rss.xml`;
  view.dataset.feedTitle = `${name} · ${site.name}`;
  postList(view, page, `/authors/${encodeURIComponent(author.username)}`, { showAuthor: false, level: 'h3' });
}

// tagPage is a tag's posts. The slug is read from the address itself:
// a slug may hold characters the router's decoding leaves escaped.
export async function tagPage(view, [routed], search) {
  const n = pageNumber(search);
  let slug = routed;
  try {
    slug = decodeURIComponent(location.pathname.replace(/^\/tags\//, ''));
  } catch {
    // the router's reading of it stands
  }
  const initial = takeInitial('tag');
  let tag = initial?.tag;
  if (!tag) {
    try {
      tag = await pb.collection('tags').getFirstListItem(pb.filter('slug = {:s}', { s: slug }));
    } catch (err) {
      if (err.status === 404) throw err;
      throw new Error(errorMessage(err));
    }
  }
  const page = initial?.page || await listPosts({ tag: tag.slug, page: n, perPage });
  if (n > 1 && n > page.totalPages) throw notFound();
  const base = tagPath(tag.slug);
  show(view,
    h('h1', null, tag.name),
    h('p', { class: 'muted' },
      Number.isFinite(page.totalItems) && [page.totalItems === 1 ? '1 post' : `${page.totalItems} posts`, ' · '],
      h('a', { href: `${base}/rss.xml`, type: 'application/rss+xml' }, 'RSS feed')));
  view.dataset.title = `#${tag.name}${n > 1 ? `, page ${n}` : ''} · ${site.name}`;
  view.dataset.feed = `${base}/rss.xml`;
  view.dataset.feedTitle = `${site.name} — ${tag.name}`;
  postList(view, page, base, {});
}

// pageNumber reads ?page=N; anything but a whole number from 1 is a page
// that does not exist, as the server answers it.
function pageNumber(search) {
  const v = search.get('page');
  if (v === null) return 1;
  if (!/^[1-9][0-9]{0,6}$/.test(v)) throw notFound();
  return Number(v);
}

function notFound() {
  return Object.assign(new Error('Not found'), { status: 404 });
}

// postList appends a page of the listing to view, with links to the
// pages before and after it.
function postList(view, page, base, { showAuthor = true, level = 'h2' } = {}) {
  const at = (n) => (n <= 1 ? base : `${base}?page=${n}`);
  const n = page.page;
  add(view,
    h('ol', { class: 'posts' }, page.items.map((post) => h('li', null, postSummary(post, showAuthor, level)))),
    page.items.length === 0 && h('p', { class: 'muted' }, 'No posts yet.'),
    (n > 1 || n < page.totalPages) && h('nav', { class: 'pager', 'aria-label': 'More posts' },
      n > 1 && h('a', { rel: 'prev', href: at(n - 1) }, 'Newer posts'),
      n < page.totalPages && h('a', { rel: 'next', href: at(n + 1) }, 'Older posts')));
}

// postSummary is a post as the listing shows it, under its cover when it
// has one (decorative: the title says what the card is); the title, names
// and summary are text. Search results give the title and the excerpt as
// nodes, with their matches marked.
export function postSummary(post, showAuthor = true, level = 'h2', { title = post.title, excerpt = post.summary } = {}) {
  const author = post.expand?.author;
  return h('article', { class: 'post-summary' },
    post.cover && h('img', { class: 'cover', src: coverURL(post, '480x270'), width: 480, height: 270, alt: '', loading: 'lazy' }),
    h(level, null, h('a', { href: `/posts/${encodeURIComponent(post.slug || post.id)}` }, title)),
    h('p', { class: 'byline' },
      showAuthor && author && ['by ', h('a', { href: `/authors/${encodeURIComponent(author.username)}` }, author.name || author.username), ' · '],
      h('time', { datetime: post.published }, formatDate(post.published)),
      post.price > 0 && [' · ', h('span', { class: 'badge' }, `Paid · ${formatPrice(post.price, post.currency)}`)]),
    tagList(post),
    excerpt && h('p', null, excerpt));
}
