// The one PocketBase client of the app, on the server it was loaded from;
// the SDK keeps the session in localStorage.
import PocketBase from 'pocketbase';

export const pb = new PocketBase(location.origin);

// the router already drops answers for pages the reader left; the SDK's
// own cancelling of same-path requests would only surface as errors
pb.autoCancellation(false);

// The public reads carry Cache-Control max-age for CDNs; the app
// revalidates them (a cheap 304) so that a writer sees their change at
// once.
export const fresh = { cache: 'no-cache' };

export function me() {
  return pb.authStore.isValid && pb.authStore.record?.collectionName === 'users' ? pb.authStore.record : null;
}

// Protected files (the images of a body only some may read: a paid post,
// a draft) are served to the reader named by a file token in their
// address: an <img> sends no Authorization header. A token lives a few
// minutes; one is reused for a minute, and forgotten with the session.
let fileToken = null;
pb.authStore.onChange(() => { fileToken = null; });

async function currentFileToken() {
  if (fileToken && fileToken.until > Date.now()) return fileToken.value;
  const value = await pb.files.getToken();
  fileToken = { value, until: Date.now() + 60_000 };
  return value;
}

// withFileTokens adds the signed-in reader's file token to the addresses
// of this server's files (/api/files/…) that root's images show and its
// links lead to, and returns root. Addresses elsewhere are left alone: a
// token never leaves for another host. Give it the body before it is in
// the document (a <template>'s content, where images do not load), so
// that no image is fetched first without its token. Without a session,
// or without a token, the addresses stay as they are.
export async function withFileTokens(root) {
  if (!pb.authStore.isValid) return root;
  const targets = [];
  for (const [selector, attr] of [['img[src]', 'src'], ['a[href]', 'href']]) {
    for (const el of root.querySelectorAll(selector)) {
      let url;
      try {
        url = new URL(el.getAttribute(attr), location.href);
      } catch {
        continue;
      }
      if (url.origin === location.origin && url.pathname.startsWith('/api/files/')) targets.push([el, attr, url]);
    }
  }
  if (targets.length === 0) return root;
  let token;
  try {
    token = await currentFileToken();
  } catch {
    return root;
  }
  for (const [el, attr, url] of targets) {
    url.searchParams.set('token', token);
    el.setAttribute(attr, url.pathname + url.search + url.hash);
  }
  return root;
}

// coverURL is the address of a post's cover thumbnail of size
// ("480x270" for cards, "1200x630" for the post), or "" for none. Covers
// are public files.
export function coverURL(post, size) {
  return post.cover ? pb.files.getURL(post, post.cover, { thumb: size }) : '';
}

export function getPost(idOrSlug) {
  return pb.send(`/api/blog/posts/${encodeURIComponent(idOrSlug)}`, fresh);
}

// listPosts reads a page of the public listing: query has page and
// perPage, and author (a username) or tag (a tag's slug) to narrow it.
export function listPosts(query) {
  return pb.send('/api/blog/posts', { ...fresh, query });
}

// listTags reads the tags of published posts, the most used first.
export function listTags(query) {
  return pb.send('/api/blog/tags', { ...fresh, query });
}

// searchPosts finds published posts: query has q, perPage and the cursor
// of the page before (its nextCursor).
export function searchPosts(query) {
  return pb.send('/api/blog/search', { ...fresh, query });
}

// A session revoked elsewhere ("log out everywhere", an expired token)
// ends here too: a 401 clears the local session, and the session the page
// starts with is checked once.
pb.afterSend = (response, data) => {
  if (response.status === 401 && pb.authStore.isValid) pb.authStore.clear();
  return data;
};

export async function checkSession() {
  if (!me()) return;
  await pb.collection('users').authRefresh().catch((err) => {
    if (err.status === 401) pb.authStore.clear();
  });
}
