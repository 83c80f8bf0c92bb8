// A post's tags as chips, the same markup the server's pages have: each
// a link to the tag's page. Names are text, never markup.
import { h } from './dom.js';

export function tagPath(slug) {
  return `/tags/${encodeURIComponent(slug)}`;
}

// tagList is the list of post's tags (post.expand.tags, in the post's
// order), or null for a post without any.
export function tagList(post) {
  const tags = post.expand?.tags;
  if (!Array.isArray(tags) || tags.length === 0) return null;
  return h('ul', { class: 'tags', 'aria-label': 'Tags' },
    tags.map((tag) => h('li', null, h('a', { class: 'tag', rel: 'tag', href: tagPath(tag.slug) }, tag.name))));
}
