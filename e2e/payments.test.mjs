// Buying a paid post as a client does: purchase through the blog route,
// the provider's signed callback, and the JS SDK reading the body after.
// Alipay's platform (alipay-platform.mjs) and Stripe's API are played by
// local HTTP servers with keys made here; the signatures are the real algorithms (RSA2 and
// Stripe's HMAC scheme).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { startServer, register, expectStatus, freePort } from './server.mjs';
import { startAlipay, signingContent, APP_ID } from './alipay-platform.mjs';

const WEBHOOK_SECRET = 'whsec_e2e_secret';
const PUBLIC_URL = 'http://blog.example';

let server;
let alipay;
const stripe = { server: null, url: '', sessions: new Map() };

const notify = (params) => alipay.notify(server.url, params);

// startStripe plays POST /v1/checkout/sessions.
function startStripe(port) {
  stripe.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const id = `cs_test_${stripe.sessions.size + 1}`;
      const session = {
        id, object: 'checkout.session', url: `https://checkout.stripe.test/c/pay/${id}`, status: 'open', payment_status: 'unpaid',
        client_reference_id: form.get('client_reference_id'), metadata: { orderId: form.get('metadata[orderId]') },
        amount_total: Number(form.get('line_items[0][price_data][unit_amount]')), currency: form.get('line_items[0][price_data][currency]'),
      };
      stripe.sessions.set(id, session);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(session));
    });
  });
  stripe.url = `http://127.0.0.1:${port}`;
  return new Promise((r) => stripe.server.listen(port, '127.0.0.1', r));
}

before(async () => {
  alipay = await startAlipay();
  await startStripe(await freePort());
  server = await startServer({
    env: {
      ...alipay.env(PUBLIC_URL),
      BLOG_STRIPE_SECRET_KEY: 'sk_test_e2e',
      BLOG_STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      BLOG_STRIPE_API_BASE: stripe.url,
    },
  });
});

after(async () => {
  await server?.stop();
  alipay?.close();
  stripe.server?.close();
});

// paidPost has a new author publish a post costing price.
async function paidPost(price, body) {
  const author = await register(server);
  const post = await author.send('/api/blog/posts', {
    method: 'POST', body: { title: `Paid ${randomBytes(3).toString('hex')}`, body, status: 'published', price },
  });
  return { author, post };
}

test('Alipay: purchase, signed notification, the body opens for the buyer only', async () => {
  const { author, post } = await paidPost(12.5, '<p>the secret chapter</p>');
  const buyer = await register(server);
  const other = await register(server);
  const guest = server.client();

  let view = await buyer.send(`/api/blog/posts/${post.id}`, {});
  assert.equal(view.locked, true);
  assert.equal(view.body, undefined);

  const { order, payUrl } = await buyer.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: {} });
  assert.equal(order.status, 'pending');
  assert.equal(order.provider, 'alipay');
  assert.equal(order.amount, 12.5);

  // the pay URL is a page-pay request on the gateway, signed with the app key
  const pay = new URL(payUrl);
  assert.equal(`${pay.origin}${pay.pathname}`, alipay.gatewayUrl);
  const params = Object.fromEntries(pay.searchParams);
  assert.equal(params.method, 'alipay.trade.page.pay');
  assert.equal(JSON.parse(params.biz_content).total_amount, '12.50');
  assert.equal(params.notify_url, `${PUBLIC_URL}/api/blog/payments/alipay/notify`);
  assert.ok(verify('RSA-SHA256', Buffer.from(signingContent(params)), alipay.appKeys.publicKey, Buffer.from(params.sign, 'base64')));

  // a second click reuses the order
  const again = await buyer.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: { provider: 'alipay' } });
  assert.equal(again.order.id, order.id);

  // the buyer's page hears the order change live
  let paidHeard;
  const heard = new Promise((resolve) => { paidHeard = resolve; });
  // subscribed before any notification is sent, so none can pass unheard
  await buyer.collection('orders').subscribe(order.id, (e) => { if (e.record.status === 'paid') paidHeard(e.record); });

  // a forged notification changes nothing
  const forged = alipay.notification(order.outTradeNo, 'TRADE_SUCCESS', '12.50');
  forged.total_amount = '0.01';
  assert.deepEqual(await notify(forged), { status: 400, text: 'failure' });
  assert.equal((await buyer.collection('orders').getOne(order.id)).status, 'pending');

  const paid = alipay.notification(order.outTradeNo, 'TRADE_SUCCESS', '12.50');
  assert.deepEqual(await notify(paid), { status: 200, text: 'success' });
  assert.deepEqual(await notify(paid), { status: 200, text: 'success' }); // Alipay retries
  const live = await Promise.race([heard, new Promise((_, reject) => setTimeout(() => reject(new Error('no realtime update')), 2000))]);
  assert.equal(live.status, 'paid');
  await buyer.collection('orders').unsubscribe();

  view = await buyer.send(`/api/blog/posts/${post.id}`, {});
  assert.equal(view.locked, false);
  assert.match(view.body, /the secret chapter/);
  const content = await buyer.collection('postContents').getFirstListItem(`post="${post.id}"`);
  assert.match(content.body, /the secret chapter/);
  const expanded = await buyer.collection('posts').getOne(post.id, { expand: 'postContents_via_post' });
  assert.match(expanded.expand.postContents_via_post.body, /the secret chapter/);

  for (const reader of [other, guest]) {
    view = await reader.send(`/api/blog/posts/${post.id}`, {});
    assert.equal(view.locked, true);
    await expectStatus(reader.collection('postContents').getFirstListItem(`post="${post.id}"`), 404);
    const e = await reader.collection('posts').getOne(post.id, { expand: 'postContents_via_post' });
    assert.equal(e.expand?.postContents_via_post, undefined);
  }

  // the author sees the order of their post; the buyer cannot buy twice
  assert.equal((await author.collection('orders').getList(1, 10)).items[0].id, order.id);
  assert.equal((await other.collection('orders').getList(1, 10)).totalItems, 0);
  await expectStatus(buyer.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: {} }), 409);
});

test('Alipay return: the gateway says paid, the browser lands on the post', async () => {
  const { post } = await paidPost(3, '<p>returned</p>');
  const buyer = await register(server);
  const { order } = await buyer.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: {} });
  alipay.trades.set(order.outTradeNo, { tradeNo: '2026112299', status: 'TRADE_SUCCESS', amount: '3.00' });

  const back = alipay.signed({
    app_id: APP_ID, method: 'alipay.trade.page.pay.return', charset: 'utf-8', version: '1.0',
    out_trade_no: order.outTradeNo, trade_no: '2026112299', total_amount: '3.00', timestamp: '2026-11-22 20:00:00',
  });
  const res = await fetch(`${server.url}/api/blog/payments/alipay/return?${new URLSearchParams(back)}`, { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${PUBLIC_URL}/posts/${post.id}?order=${order.id}`);
  assert.equal((await buyer.collection('orders').getOne(order.id)).status, 'paid');
  assert.match((await buyer.send(`/api/blog/posts/${post.id}`, {})).body, /returned/);

  back.total_amount = '0.01';
  const forged = await fetch(`${server.url}/api/blog/payments/alipay/return?${new URLSearchParams(back)}`, { redirect: 'manual' });
  assert.equal(forged.status, 400);
});

test('Stripe: checkout session, signed webhook, the body opens', async () => {
  const { post } = await paidPost(7.25, '<p>stripe chapter</p>');
  const buyer = await register(server);
  const { order, payUrl } = await buyer.send(`/api/blog/posts/${post.id}/purchase`, { method: 'POST', body: { provider: 'stripe' } });
  assert.equal(order.provider, 'stripe');
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === order.id);
  assert.equal(payUrl, session.url);
  assert.equal(session.amount_total, 725);
  assert.equal(session.metadata.orderId, order.id);

  const eventId = `evt_${randomBytes(6).toString('hex')}`;
  const event = JSON.stringify({
    id: eventId, object: 'event', type: 'checkout.session.completed', api_version: '2020-08-27',
    data: { object: { ...session, status: 'complete', payment_status: 'paid' } },
  });
  const deliver = (secret) => {
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', secret).update(`${t}.${event}`).digest('hex');
    return fetch(`${server.url}/api/blog/payments/stripe/webhook`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${t},v1=${v1}` }, body: event,
    });
  };
  assert.equal((await deliver('whsec_wrong')).status, 400);
  assert.equal((await buyer.collection('orders').getOne(order.id)).status, 'pending');
  assert.equal((await deliver(WEBHOOK_SECRET)).status, 200);
  const duplicate = await deliver(WEBHOOK_SECRET);
  assert.equal(duplicate.status, 200);
  assert.equal((await duplicate.json()).outcome, 'duplicate');

  assert.equal((await buyer.collection('orders').getOne(order.id)).status, 'paid');
  assert.match((await buyer.send(`/api/blog/posts/${post.id}`, {})).body, /stripe chapter/);

  // every delivery is on record for superusers
  const su = await server.superuser();
  const events = await su.collection('paymentEvents').getFullList({ filter: `provider="stripe"`, sort: 'created' });
  assert.deepEqual(events.map((e) => [e.outcome, e.verified, e.eventId]),
    [['bad_signature', false, ''], ['paid', true, eventId], ['duplicate', true, eventId]]);
});

test('blogbase payments reconcile runs next to the server', () => {
  const out = execFileSync(process.env.BLOGBASE_BIN, ['payments', 'reconcile', '--dir', server.dir], { encoding: 'utf8' });
  assert.match(out, /^checked \d+, paid \d+, closed \d+, still pending \d+, failed 0$/m);
});
