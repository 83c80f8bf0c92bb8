// What the server put in the page it answered: the site's settings, and
// the data of the page itself ("blog-data"), so that the app shows the
// page the browser already has without asking the server again. The page
// data serves the first render only; a server-rendered post's body is
// read from its markup (the page holds it once).
const element = document.getElementById('blog-data');
let boot = {};
try {
  boot = JSON.parse(element?.textContent || '{}');
} catch {
  boot = {};
}

// site: the site's settings, with the currency new posts are priced in,
// and whether a payment provider (payments) and mail (mail) are set up
export const site = {
  name: 'blogbase',
  description: '',
  language: 'en',
  currency: 'CNY',
  payments: false,
  mail: false,
  ...(boot.site || {}),
};

let initial = boot.page || null;
// the address the data is for: a reader may move on before the first
// render (while a session is checked)
const servedAt = location.pathname + location.search;
if (initial?.kind === 'post' && initial.post && initial.post.body === undefined && !initial.post.locked) {
  const body = document.querySelector('#main .post-body');
  if (body) initial.post.body = body.innerHTML;
  else initial = null;
}

// takeInitial returns the server's data for the page being rendered
// first when it is of kind, once; later renders (navigations) ask the API.
export function takeInitial(kind) {
  const data = initial;
  initial = null;
  return data && data.kind === kind && location.pathname + location.search === servedAt ? data : null;
}

// servedNotFound tells whether the server answered the page being
// rendered first 404.
export function servedNotFound() {
  return initial?.kind === 'notFound' && location.pathname + location.search === servedAt;
}

// dropInitial forgets the server's data once the first render is done.
export function dropInitial() {
  initial = null;
}
