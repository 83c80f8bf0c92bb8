// The one PocketBase client of the app, on the server it was loaded from;
// the SDK keeps the session in localStorage.
import PocketBase from 'pocketbase';

export const pb = new PocketBase(location.origin);

// The public reads carry Cache-Control max-age for CDNs; the app
// revalidates them (a cheap 304) so that a writer sees their change at
// once.
export const fresh = { cache: 'no-cache' };

export function me() {
  return pb.authStore.isValid && pb.authStore.record?.collectionName === 'users' ? pb.authStore.record : null;
}

export function getPost(idOrSlug) {
  return pb.send(`/api/blog/posts/${encodeURIComponent(idOrSlug)}`, fresh);
}

export function listPosts(query) {
  return pb.send('/api/blog/posts', { ...fresh, query });
}
