// Accounts and per-owner posts through the official JS SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('register and log in by username and by email', async () => {
  const byName = await register(server);
  const byEmail = await register(server, { byEmail: true });
  assert.ok(byName.authStore.isValid);
  assert.ok(byEmail.authStore.isValid);
  assert.notEqual(byName.authStore.record.id, byEmail.authStore.record.id);
  assert.equal(byName.authStore.record.phone, undefined, 'the phone is hidden');
});

test('an author creates, edits and deletes own posts on both APIs', async () => {
  const pb = await register(server);
  const me = pb.authStore.record.id;

  const post = await pb.send('/api/blog/posts', {
    method: 'POST',
    body: { title: 'Hello from the SDK', body: '<p>hi<script>alert(1)</script></p>', status: 'published' },
  });
  assert.equal(post.author, me);
  assert.equal(post.slug, 'hello-from-the-sdk');
  assert.equal(post.body, '<p>hi</p>');
  assert.equal(post.locked, false);

  const edited = await pb.send(`/api/blog/posts/${post.id}`, { method: 'PATCH', body: { title: 'Edited' } });
  assert.equal(edited.title, 'Edited');
  assert.equal(edited.body, '<p>hi</p>', 'a PATCH changes only what it names');

  const draft = await pb.collection('posts').create({ title: 'SDK draft', author: me });
  const content = await pb.collection('postContents').getFirstListItem(`post = "${draft.id}"`);
  await pb.collection('postContents').update(content.id, { body: '<p onclick="x()">draft words</p>' });
  assert.equal((await pb.collection('postContents').getOne(content.id)).body, '<p>draft words</p>');
  assert.equal((await pb.collection('posts').getOne(draft.id)).summary, 'draft words');

  await pb.send(`/api/blog/posts/${post.id}`, { method: 'DELETE' });
  await pb.collection('posts').delete(draft.id);
  await expectStatus(pb.send(`/api/blog/posts/${post.id}`, {}), 404);
  await expectStatus(pb.collection('postContents').getOne(content.id), 404);
});

test("another user cannot read drafts or touch someone else's post", async () => {
  const alice = await register(server);
  const bob = await register(server);
  const guest = server.client();

  const published = await alice.send('/api/blog/posts', { method: 'POST', body: { title: 'Public', body: '<p>open</p>', status: 'published' } });
  const draft = await alice.send('/api/blog/posts', { method: 'POST', body: { title: 'Secret', body: '<p>hidden</p>' } });

  await expectStatus(bob.send(`/api/blog/posts/${draft.id}`, {}), 404);
  await expectStatus(guest.collection('posts').getOne(draft.id), 404);
  await expectStatus(bob.send(`/api/blog/posts/${published.id}`, { method: 'PATCH', body: { title: 'x' } }), 403);
  await expectStatus(bob.send(`/api/blog/posts/${draft.id}`, { method: 'PATCH', body: { title: 'x' } }), 404);
  await expectStatus(bob.send(`/api/blog/posts/${published.id}`, { method: 'DELETE' }), 403);
  await expectStatus(bob.collection('posts').update(published.id, { title: 'x' }), 404);
  await expectStatus(bob.collection('posts').delete(published.id), 404);
  await expectStatus(bob.collection('posts').create({ title: 'forged', author: alice.authStore.record.id }), 400);
  await expectStatus(guest.collection('users').getList(1, 20, { filter: 'posts_via_author.title ~ "Secret"' }), 400);

  assert.equal((await guest.send(`/api/blog/posts/${published.slug}`, {})).title, 'Public');
});

test('the public listing shows published posts only, page by cursor', async () => {
  const author = await register(server);
  const guest = server.client();
  for (let i = 0; i < 5; i++) {
    await author.send('/api/blog/posts', { method: 'POST', body: { title: `Listed ${i}`, body: '<p>x</p>', status: i === 2 ? 'draft' : 'published' } });
  }
  const username = author.authStore.record.username;

  const seen = [];
  let page = await guest.send('/api/blog/posts', { query: { author: username, perPage: 2 } });
  assert.equal(page.totalItems, 4);
  for (;;) {
    seen.push(...page.items.map((p) => p.title));
    assert.ok(page.items.every((p) => p.body === undefined && p.expand.author.username === username));
    if (!page.nextCursor) break;
    page = await guest.send('/api/blog/posts', { query: { cursor: page.nextCursor, perPage: 2 } });
  }
  assert.deepEqual(seen, ['Listed 4', 'Listed 3', 'Listed 1', 'Listed 0']);
  await expectStatus(guest.send('/api/blog/posts', { query: { perPage: 'many' } }), 400);
});
