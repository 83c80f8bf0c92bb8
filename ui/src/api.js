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

export function getPost(idOrSlug) {
  return pb.send(`/api/blog/posts/${encodeURIComponent(idOrSlug)}`, fresh);
}

export function listPosts(query) {
  return pb.send('/api/blog/posts', { ...fresh, query });
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
