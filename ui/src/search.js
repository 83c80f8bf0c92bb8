// Search: the box in the site header, and the results page (/search?q=),
// the most relevant published posts first, ten at a time, each with its
// matches marked in its title and an excerpt.
import { searchPosts } from './api.js';
import { site } from './boot.js';
import { h, show, add, errorMessage } from './dom.js';
import { navigate, say } from './nav.js';
import { postSummary } from './listing.js';

const perPage = 10;
// the longest query the server takes, in characters, after trimming
const longest = 100;

export function searchPath(q) {
  return `/search?${new URLSearchParams({ q })}`;
}

// searchForm is the header's search box: a plain GET form to /search,
// which the app turns into a navigation.
export function searchForm() {
  return h('form', { role: 'search', action: '/search', class: 'site-search', onsubmit: submit },
    h('input', { type: 'search', name: 'q', maxlength: longest, 'aria-label': 'Search posts', placeholder: 'Search', autocomplete: 'off' }));
}

function submit(e) {
  e.preventDefault();
  navigate(searchPath(e.currentTarget.elements.q.value));
}

export async function searchPage(view, _params, search) {
  const q = search.get('q') || '';
  const wanted = q.trim();
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', maxlength: longest, value: q, autocomplete: 'off' });
  const form = h('form', { role: 'search', action: '/search', class: 'search-form', onsubmit: submit },
    h('label', { for: 'search-q' }, 'Search for'),
    h('span', { class: 'search-row' }, input, h('button', { type: 'submit' }, 'Search')));
  const status = h('p', { class: 'muted search-status', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const results = h('ol', { class: 'posts search-results' });
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true }, 'More results');
  show(view, h('h1', null, 'Search'), form, status, error, results, more);
  view.dataset.title = wanted ? `Search: ${wanted} · ${site.name}` : `Search · ${site.name}`;

  if (!wanted) {
    status.textContent = 'Type a word or a phrase to find the posts that have it.';
    input.focus();
    return null;
  }

  let cursor = null;
  // load asks for the next page of results and appends it; it tells
  // whether it worked
  async function load() {
    const query = { q: wanted, perPage };
    if (cursor) query.cursor = cursor;
    const answer = await searchPosts(query);
    const items = answer.items || [];
    const shown = items.map((post) => h('li', null, result(post)));
    add(results, shown);
    cursor = answer.nextCursor || null;
    more.hidden = !cursor;
    return shown;
  }

  status.textContent = `Searching for “${wanted}”…`;
  try {
    await load();
  } catch (err) {
    status.textContent = '';
    failed(err, wanted, input, error);
    return null;
  }
  status.textContent = results.childElementCount
    ? `Posts matching “${wanted}”, the most relevant first.`
    : `No posts match “${wanted}”.`;

  more.addEventListener('click', async () => {
    more.disabled = true;
    error.textContent = '';
    try {
      const shown = await load();
      say(shown.length === 1 ? 'One more result.' : `${shown.length} more results.`);
      // the reader continues at the first result added
      shown[0]?.querySelector('a')?.focus();
    } catch (err) {
      error.textContent = `More results could not be loaded: ${errorMessage(err)}`;
    } finally {
      more.disabled = false;
    }
  });
  return null;
}

// failed says why the search did not run: a query the server refused
// (too long, say) by the box, anything else as it is.
function failed(err, wanted, input, error) {
  if (err?.status === 400) {
    const length = [...wanted].length;
    error.textContent = length > longest
      ? `Search for ${longest} characters or fewer: this search has ${length}.`
      : `This search cannot run: ${errorMessage(err)}`;
    error.id = 'search-error';
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', error.id);
    return;
  }
  error.textContent = `The search failed: ${errorMessage(err)} Try again in a moment.`;
}

// result is a post as the search shows it: the listing's card, its title
// and excerpt with the matches marked.
function result(post) {
  const title = marked(post.highlight?.title);
  const excerpt = marked(post.highlight?.text);
  return postSummary(post, true, 'h2', {
    title: title.hasChildNodes() ? title : post.title,
    excerpt: excerpt.hasChildNodes() ? excerpt : post.summary,
  });
}

// marked reads a highlight the server made (its text HTML-escaped, every
// match in <mark>) into nodes, keeping only text and <mark> elements
// whatever else the string holds: any other element is reduced to its
// text, a script or a style to nothing. The string is parsed in a
// <template>, where nothing loads or runs.
export function marked(html) {
  const out = document.createDocumentFragment();
  if (typeof html !== 'string' || html === '') return out;
  const template = document.createElement('template');
  template.innerHTML = html;
  const copy = (from, into, inMark) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        into.append(document.createTextNode(node.data));
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.localName === 'mark' && !inMark) {
          const mark = document.createElement('mark');
          copy(node, mark, true);
          into.append(mark);
        } else if (node.localName !== 'script' && node.localName !== 'style') {
          copy(node, into, inMark);
        }
      }
    }
  };
  copy(template.content, out, false);
  out.normalize();
  return out;
}
