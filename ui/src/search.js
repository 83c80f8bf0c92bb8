// Search: the box in the site header, and the results page (/search?q=),
// the most relevant published posts first, ten at a time, each with its
// matches marked in its title and an excerpt (or, for a post found by a
// tag only, in its tag chips). The server renders the first page of
// results into the page it answers; the app starts from it.
import { searchPosts } from './api.js';
import { site, takeInitial } from './boot.js';
import { h, show, add, errorMessage } from './dom.js';
import { navigate, say } from './nav.js';
import { postSummary } from './listing.js';

const perPage = 10;
// the longest query the server takes, in characters, after trimming
const longest = 100;
// the most results a search reaches: the server ranks the latest matches
// only, this many
const deepest = 200;

export function searchPath(q) {
  return `/search?${new URLSearchParams({ q })}`;
}

// searchForm is the header's search box: a plain GET form to /search,
// which the app turns into a navigation. The search page has its own box
// instead (main.js leaves this one out there).
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
    h('label', { for: 'search-q' }, 'Search posts'),
    h('span', { class: 'search-row' }, input, h('button', { type: 'submit' }, 'Search')));
  const status = h('p', { class: 'muted search-status', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const results = h('ol', { class: 'posts search-results' });
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true }, 'More results');
  // the end of a search that reached the most results it can have
  const end = h('p', { class: 'muted search-end', hidden: true },
    `Showing the best ${deepest} matches: add a word to narrow the search.`);
  show(view, h('h1', null, 'Search'), form, status, error, results, more, end);
  view.dataset.title = wanted ? `Search: ${wanted} · ${site.name}` : `Search · ${site.name}`;

  if (!wanted) {
    status.textContent = 'Type a word or a phrase to find the posts that have it.';
    input.focus();
    return null;
  }

  const words = queryWords(wanted);
  // an address with a cursor (the server's link to more results) starts
  // after the results before it
  let cursor = search.get('cursor') || null;
  const later = Boolean(cursor);
  // append appends a page of results (the API's answer)
  function append(answer) {
    const items = answer.items || [];
    const shown = items.map((post) => h('li', null, result(post, words)));
    add(results, shown);
    cursor = answer.nextCursor || null;
    more.hidden = !cursor;
    // from a cursor, how many results came before is not known
    end.hidden = Boolean(cursor) || later || results.childElementCount < deepest;
    return shown;
  }
  // load asks for the next page of results and appends it; it tells
  // whether it worked
  async function load() {
    const query = { q: wanted, perPage };
    if (cursor) query.cursor = cursor;
    return append(await searchPosts(query));
  }

  // the server's first page, when it rendered this search
  const served = takeInitial('search');
  try {
    if (served && typeof served.error === 'string') {
      status.textContent = '';
      const length = [...wanted].length;
      refused(length > longest ? `Search for ${longest} characters or fewer: this search has ${length}.` : served.error, input, error);
      return null;
    } else if (served?.page) {
      append(served.page);
      // the server knows where a search it rendered from a cursor ends
      if (served.best === deepest) end.hidden = false;
    } else {
      status.textContent = `Searching for “${wanted}”…`;
      await load();
    }
  } catch (err) {
    status.textContent = '';
    failed(err, wanted, input, error);
    return null;
  }
  if (later) {
    status.textContent = results.childElementCount ? `More posts matching “${wanted}”.` : `No more posts match “${wanted}”.`;
  } else {
    status.textContent = results.childElementCount
      ? `Posts matching “${wanted}”, the most relevant first.`
      : `No posts match “${wanted}”.`;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    error.textContent = '';
    try {
      const shown = await load();
      say(`${shown.length === 1 ? 'One more result.' : `${shown.length} more results.`}${end.hidden ? '' : ` ${end.textContent}`}`);
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
    refused(length > longest
      ? `Search for ${longest} characters or fewer: this search has ${length}.`
      : `This search cannot run: ${errorMessage(err)}`, input, error);
    return;
  }
  error.textContent = `The search failed: ${errorMessage(err)} Try again in a moment.`;
}

// refused says by the box why the search it holds did not run.
function refused(text, input, error) {
  error.textContent = text;
  error.id = 'search-error';
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', error.id);
}

// result is a post as the search shows it: the listing's card, its title
// and excerpt with the matches marked. A post found by its tags alone
// (nothing marked in its title or excerpt) has the tags that hold the
// words marked instead.
function result(post, words) {
  const title = marked(post.highlight?.title);
  const excerpt = marked(post.highlight?.text);
  const found = title.querySelector('mark') || excerpt.querySelector('mark');
  const card = postSummary(post, true, 'h2', {
    title: title.hasChildNodes() ? title : post.title,
    excerpt: excerpt.hasChildNodes() ? excerpt : post.summary,
  });
  if (!found) {
    for (const chip of card.querySelectorAll('.tags .tag')) {
      const name = fold(chip.textContent);
      if (words.some((w) => name.includes(w))) chip.classList.add('matched');
    }
  }
  return card;
}

// fold is text as the search compares it: without differences of case or
// width.
function fold(text) {
  return text.normalize('NFKC').toLowerCase();
}

// queryWords is the words of a query, folded; quotes around a phrase are
// left out.
function queryWords(q) {
  return fold(q).replace(/["“”「」]/g, ' ').split(/\s+/).filter(Boolean);
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
