// A post: its body when the reader may read it, otherwise what it costs
// and how to buy it; then the comments, live.
import { pb, me, getPost, withFileTokens, coverURL } from './api.js';
import { takeInitial, servedNotFound } from './boot.js';
import { h, show, formatDate, formatPrice, errorMessage } from './dom.js';
import { navigate, say } from './nav.js';
import { commentsSection } from './comments.js';
import { tagList } from './tags.js';

export async function postPage(view, [idOrSlug], search) {
  const user = me();
  // the page the server rendered is what a guest sees: the app starts
  // from it, unless the reader is signed in and it was locked or missing
  // for a guest (a body they bought, their own draft)
  if (!user && servedNotFound()) throw Object.assign(new Error('Not found'), { status: 404 });
  let post = takeInitial('post')?.post;
  if (!post || (user && post.locked)) post = await getPost(idOrSlug);
  const author = post.expand?.author;
  const mine = user && user.id === post.author;

  const body = h('div', { class: 'post-body' });
  if (!post.locked) body.append(await bodyContent(post));
  const orderStatus = h('div', { class: 'order-status', role: 'status', 'aria-live': 'polite' });

  show(view,
    h('article', { class: 'post' },
      h('h1', null, post.title),
      h('p', { class: 'byline' },
        author && ['by ', h('a', { href: `/authors/${author.username}` }, author.name || author.username), ' · '],
        post.status === 'published'
          ? h('time', { datetime: post.published }, formatDate(post.published))
          : h('span', { class: 'badge draft' }, 'Draft'),
        post.price > 0 && [' · ', h('span', { class: 'badge' }, formatPrice(post.price, post.currency))],
        mine && [' · ', h('a', { href: `/write/${post.id}` }, 'Edit')]),
      tagList(post),
      post.cover && h('img', { class: 'cover', src: coverURL(post, '1200x630'), width: 1200, height: 630, alt: '' }),
      post.locked ? paywall(post, user) : body,
      orderStatus));

  const cleanups = [];
  const cleanup = () => Promise.all(cleanups.map((c) => c && c()));
  try {
    const orderId = search.get('order');
    if (orderId && user) cleanups.push(await followOrder(orderStatus, orderId, post));
    cleanups.push(await commentsSection(view, post));
  } catch (err) {
    await cleanup();
    throw err;
  }
  return cleanup;
}

// bodyContent is a post's body as nodes. The server sanitizes every body
// on every write path (an allow-list of tags and attributes, no scripts,
// no event handlers, no styles), so it is the one piece of HTML the app
// inserts. It is parsed in a <template>, where images do not load: the
// images of a body not everyone may read (a paid post, one not published)
// are protected files, fetched once, with the reader's file token.
async function bodyContent(post) {
  const template = document.createElement('template');
  template.innerHTML = post.body;
  if (post.price > 0 || post.status !== 'published') await withFileTokens(template.content);
  return template.content;
}

// paywall tells what the post costs and lets a signed-in reader buy it:
// the purchase route answers a provider page to send the browser to.
function paywall(post, user) {
  const price = formatPrice(post.price, post.currency);
  const costs = post.summary ? `The rest of this post costs ${price}.` : `Reading this post costs ${price}.`;
  if (!user) {
    return h('section', { class: 'paywall', 'aria-label': 'Paid post' },
      post.summary && h('p', null, post.summary),
      h('p', null, `${costs} `, h('a', { href: `/login?next=/posts/${post.id}` }, 'Log in to buy it'), '.'));
  }
  const error = h('p', { role: 'alert', class: 'error' });
  const buy = (provider) => async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    try {
      const { payUrl } = await pb.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: { provider } });
      say('Opening the payment page…');
      location.assign(payUrl);
    } catch (err) {
      button.disabled = false;
      // a 503 is the operator's business (a missing setting): the reader
      // only needs to know buying does not work now
      error.textContent = err.status === 503
        ? 'Buying is not available on this blog at the moment.'
        : errorMessage(err);
    }
  };
  return h('section', { class: 'paywall', 'aria-label': 'Paid post' },
    post.summary && h('p', null, post.summary),
    h('p', null, costs),
    h('p', { class: 'actions' },
      post.currency === 'CNY' && h('button', { type: 'button', onclick: buy('alipay') }, `Buy with Alipay (${price})`),
      h('button', { type: 'button', onclick: buy('stripe') }, `Buy with card (${price})`)),
    error);
}

// followOrder shows the state of the order the buyer came back with and,
// while it is pending, listens for it to be paid, then shows the body. It
// subscribes before it reads, so that a payment confirmed in between is
// not missed.
async function followOrder(el, orderId, post) {
  const describe = (o) => ({
    paid: 'Payment received. Thank you!',
    pending: 'Waiting for the payment to be confirmed…',
    closed: 'This order was closed without payment.',
  })[o.status];
  const reopen = () => navigate(`/posts/${post.slug || post.id}?order=${orderId}`, { replace: true });
  let unsubscribe = null;
  try {
    unsubscribe = await pb.collection('orders').subscribe(orderId, (e) => {
      show(el, h('p', null, describe(e.record)));
      if (e.record.status === 'paid') reopen();
    });
  } catch {
    // no realtime: the state as read now; a reload shows the rest
  }
  let order;
  try {
    order = await pb.collection('orders').getOne(orderId);
  } catch {
    order = null;
  }
  if (!order || order.post !== post.id) {
    if (unsubscribe) await unsubscribe();
    return null;
  }
  show(el, h('p', null, describe(order)));
  if (order.status === 'paid' && post.locked) reopen(); // paid in between
  if (order.status !== 'pending' && unsubscribe) {
    await unsubscribe();
    return null;
  }
  return unsubscribe;
}
