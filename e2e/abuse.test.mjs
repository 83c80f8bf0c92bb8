// Hostile input as a client sends it with the JS SDK: deeply nested
// filters on every path that reads one, a flood of comments from one
// account, and slugs probing other people's drafts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const nested = (depth) => '('.repeat(depth) + 'title = "x"' + ')'.repeat(depth);

test('nested filters are refused at once, whoever asks', async () => {
  const guest = server.client();
  const admin = await server.superuser();
  for (const [pb, filter, code] of [
    [guest, nested(20000), 'validation_query_too_long'],
    [admin, nested(50000), 'validation_query_too_long'],
    [guest, nested(1700), 'validation_filter_too_many_groups'],
  ]) {
    const started = Date.now();
    const err = await expectStatus(pb.collection('posts').getList(1, 20, { filter }), 400);
    assert.equal(err.response.data.filter.code, code);
    console.log(`${filter.length} characters refused in ${Date.now() - started} ms`);
  }
  // a filter with a few groups still works
  const page = await guest.collection('posts').getList(1, 20, { filter: `(${nested(10)} || status = "published")` });
  assert.equal(page.totalItems, 0);
});

test('a realtime subscription with a nested filter is refused', async () => {
  const reader = await register(server);
  await expectStatus(reader.collection('comments').subscribe('*', () => {}, { filter: nested(1100) }), 400);
  // the SDK keeps the refused subscription and sends it again with the
  // next one: a page starts over on a client of its own
  const unsubscribe = await server.client().collection('comments').subscribe('*', () => {}, { filter: nested(5) });
  await unsubscribe();
});

test('one account writes at most 10 comments a minute, batches included', async () => {
  const author = await register(server);
  const post = await author.send('/api/blog/posts', { method: 'POST', body: { title: 'Talk', body: '<p>t</p>', status: 'published' } });

  const flooder = await register(server);
  flooder.autoCancellation(false);
  const batch = flooder.createBatch();
  for (let i = 0; i < 11; i += 1) batch.collection('comments').create({ post: post.id, body: `batched ${i}` });
  const refused = await expectStatus(batch.send(), 400);
  assert.match(JSON.stringify(refused.response), /"status":429/);
  assert.equal((await flooder.collection('comments').getList(1, 1, { filter: `post = "${post.id}"` })).totalItems, 0);
  // the refused batch wrote nothing and spent nothing: ten comments pass,
  // the eleventh waits
  for (let i = 0; i < 10; i += 1) await flooder.collection('comments').create({ post: post.id, body: `one by one ${i}` });
  const paced = await expectStatus(flooder.collection('comments').create({ post: post.id, body: 'and one more' }), 429);
  assert.match(paced.response.message, /too fast/);

  // another reader is not slowed by the flooder
  const reader = await register(server);
  const said = await reader.collection('comments').create({ post: post.id, body: 'Hello' });
  const reply = await author.collection('comments').create({ post: post.id, parent: said.id, body: 'Hi' });
  const deeper = await reader.collection('comments').create({ post: post.id, parent: reply.id, body: 'Hi again' });
  assert.equal(deeper.thread, said.id);
});

test("another author's draft does not show in slugs", async () => {
  const alice = await register(server);
  const bob = await register(server);
  const title = `Draft ${process.pid}`;
  const draft = await alice.send('/api/blog/posts', { method: 'POST', body: { title, body: '<p>secret</p>' } });
  const mine = await bob.send('/api/blog/posts', { method: 'POST', body: { title, body: '<p>mine</p>', status: 'published' } });
  assert.equal(mine.slug, draft.slug);
  assert.equal((await server.client().send(`/api/blog/posts/${draft.slug}`, {})).id, mine.id);
  assert.equal((await alice.send(`/api/blog/posts/${draft.slug}`, {})).id, draft.id);
  const published = await alice.send(`/api/blog/posts/${draft.id}`, { method: 'PATCH', body: { status: 'published' } });
  assert.equal(published.slug, `${draft.slug}-2`);
});
