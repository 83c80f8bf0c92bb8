// The blogbase web app: a reader's and writer's front end on the
// /api/blog routes and PocketBase collections, routed by path. The server
// renders every page (boot.js reads what it put there); the app takes it
// over and renders the pages the reader moves to.
import { pb, me, checkSession } from './api.js';
import { h, show } from './dom.js';
import { navigate, say, mayLeave } from './nav.js';
import { listingPage, authorPage, tagPage } from './listing.js';
import { postPage } from './post.js';
import { loginPage, signupPage } from './account.js';
import { writerPage } from './write.js';
import { editorPage } from './editor.js';
import { profilePage } from './profile.js';
import { searchPage, searchForm } from './search.js';
import { site, servedNotFound, dropInitial } from './boot.js';

const routes = [
  [/^\/$/, listingPage],
  [/^\/authors\/([^/]+)$/, authorPage],
  [/^\/tags\/([^/]+)$/, tagPage],
  [/^\/search$/, searchPage],
  [/^\/posts\/([^/]+)$/, postPage],
  [/^\/login$/, loginPage],
  [/^\/signup$/, signupPage],
  [/^\/profile$/, profilePage],
  [/^\/write$/, writerPage],
  [/^\/write\/new$/, editorPage],
  [/^\/write\/([^/]+)$/, editorPage],
];

const main = document.getElementById('main');
const header = document.getElementById('site-header');
let leave = null; // the current page's cleanup (realtime subscriptions)

let generation = 0;

async function render() {
  const current = ++generation;
  shown = location.pathname + location.search;
  if (leave) {
    const cleanup = leave;
    leave = null;
    await Promise.resolve(cleanup()).catch(() => {});
    if (current !== generation) return;
  }
  renderHeader();
  // each render writes into its own view: a slow page that finishes after
  // the reader moved on writes into a view no longer shown
  const view = h('div', { class: 'view' });
  show(main, view);
  // after a navigation, the new page is where keyboard and screen reader
  // users continue, as soon as it starts to show
  if (navigated) main.focus();
  let path = '';
  try {
    path = decodeURI(location.pathname);
  } catch {
    path = '\0'; // a broken escape matches no page
  }
  const found = routes.find(([pattern]) => pattern.test(path));
  let cleanup = null;
  // a page the server answered 404 is shown as such at once, but for a
  // post, which a signed-in author may see as a draft (post.js decides)
  if (!found || (!/^\/posts\//.test(path) && servedNotFound())) {
    notFound(view);
  } else {
    const [pattern, page] = found;
    try {
      cleanup = await page(view, path.match(pattern).slice(1), new URLSearchParams(location.search));
    } catch (err) {
      if (err?.status === 404) notFound(view);
      else show(view, h('h1', null, 'Something went wrong'), h('p', { role: 'alert' }, err?.message || String(err)));
    }
  }
  dropInitial();
  if (current !== generation) {
    if (cleanup) await Promise.resolve(cleanup()).catch(() => {});
    return;
  }
  leave = cleanup || null;
  const heading = view.querySelector('h1');
  document.title = view.dataset.title || (heading ? `${heading.textContent} · ${site.name}` : site.name);
  feedLink(view.dataset.feed || '/rss.xml', view.dataset.feedTitle || site.name);
}

// feedLink points the page's <link rel="alternate"> at its RSS feed, as
// the server's page has it: a tag's or an author's page at theirs, any
// other at the site's.
function feedLink(path, title) {
  let link = document.head.querySelector('link[rel="alternate"][type="application/rss+xml"]');
  if (!link) {
    link = h('link', { rel: 'alternate', type: 'application/rss+xml' });
    document.head.append(link);
  }
  link.href = new URL(path, location.origin).href;
  link.title = title;
}

function notFound(el) {
  show(el, h('h1', null, 'Not found'), h('p', null, 'There is nothing here. ', h('a', { href: '/' }, 'Back to the posts'), '.'));
}

function renderHeader() {
  const user = me();
  show(header,
    h('nav', { 'aria-label': 'Main' },
      h('a', { href: '/', class: 'brand' }, site.name),
      // the search page has its own box, the one to use there
      location.pathname !== '/search' && searchForm(),
      h('ul', null,
        h('li', null, h('a', { href: '/' }, 'Posts')),
        user && h('li', null, h('a', { href: '/write' }, 'My posts')),
        user && h('li', null, h('a', { href: '/write/new' }, 'Write')),
        !user && h('li', null, h('a', { href: '/login' }, 'Log in')),
        !user && h('li', null, h('a', { href: '/signup' }, 'Sign up')),
        user && h('li', null, h('a', { href: '/profile' }, 'Profile')),
        user && h('li', null, h('span', { class: 'who' }, user.name || user.username)),
        user && h('li', null, h('button', { type: 'button', onclick: logout }, 'Log out')),
      )));
}

async function logout() {
  // the server revokes the token; the local session goes either way
  await pb.send('/api/blog/auth/logout', { method: 'POST' }).catch(() => {});
  pb.authStore.clear();
  say('You are logged out.');
  navigate('/');
}

let navigated = false;

// links to the app's pages navigate without reloading; anything else
// (other sites included) is left to the browser
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.origin !== location.origin || a.target || a.hasAttribute('download')) return;
  if (a.getAttribute('href').startsWith('#')) return;
  // only the app's own pages: feeds, the sitemap, the API, the dashboard
  // and files are the browser's to load
  let path = '';
  try {
    path = decodeURI(a.pathname);
  } catch {
    return;
  }
  if (!routes.some(([pattern]) => pattern.test(path))) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
// a jump to an #anchor (the skip link, a footnote in a body) is a
// popstate too, but the page stays the same
let shown = location.pathname + location.search;
window.addEventListener('popstate', () => {
  if (location.pathname + location.search === shown) return;
  // the address has changed already: a reader who stays gets it back
  if (!mayLeave()) {
    history.pushState({}, '', shown);
    return;
  }
  navigated = true;
  render();
});
window.addEventListener('blog:navigate', () => { navigated = true; render(); });
// a session that ends (logged out here or revoked elsewhere) redraws the
// page, which may have shown private things
pb.authStore.onChange((token) => (token ? renderHeader() : render()));

checkSession().then(render);
