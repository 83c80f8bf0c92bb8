// Comments, replies and live updates through the JS SDK's realtime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// listen subscribes pb to the comments of one post and collects events.
async function listen(pb, postId) {
  const events = [];
  const unsubscribe = await pb.collection('comments').subscribe('*', (e) => {
    events.push({ ...e, at: Date.now() });
  }, { filter: `post = "${postId}"`, expand: 'author' });
  return { events, unsubscribe };
}

async function waitFor(events, predicate, ms = 2000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = events.find(predicate);
    if (found) return found;
    await sleep(10);
  }
  return undefined;
}

async function publish(author, title) {
  return author.send('/api/blog/posts', { method: 'POST', body: { title, body: '<p>text</p>', status: 'published' } });
}

test('comments and replies come back as threads', async () => {
  const author = await register(server);
  const reader = await register(server);
  const post = await publish(author, 'Threads');

  const first = await reader.collection('comments').create({ post: post.id, body: 'First!' });
  assert.equal(first.author, reader.authStore.record.id, 'the author is the caller');
  const reply = await author.collection('comments').create({ post: post.id, parent: first.id, body: 'Thanks' });
  await reader.collection('comments').create({ post: post.id, parent: reply.id, body: 'You are welcome' });
  await author.collection('comments').create({ post: post.id, body: 'Second thread' });

  const other = await publish(author, 'Elsewhere');
  await expectStatus(reader.collection('comments').create({ post: other.id, parent: first.id, body: 'x' }), 400);
  await expectStatus(server.client().collection('comments').create({ post: post.id, body: 'anonymous' }), 400);

  const page = await server.client().send(`/api/blog/posts/${post.id}/comments`, {});
  assert.equal(page.totalItems, 2);
  assert.deepEqual(page.items.map((c) => c.body), ['First!', 'Second thread']);
  assert.deepEqual(page.items[0].replies.map((c) => c.body), ['Thanks', 'You are welcome']);
  assert.equal(page.items[0].expand.author.username, reader.authStore.record.username);
  assert.equal(page.items[0].expand.author.email, undefined);

  assert.equal((await server.client().send(`/api/blog/posts/${post.id}`, {})).commentsCount, 4);
  await author.collection('comments').delete(first.id); // the post author removes a thread
  assert.equal((await server.client().send(`/api/blog/posts/${post.id}`, {})).commentsCount, 1);
});

test("a comment appears live in another reader's client", async () => {
  const author = await register(server);
  const writer = await register(server);
  const post = await publish(author, 'Live');

  const watcher = server.client(); // a guest on the page
  const { events, unsubscribe } = await listen(watcher, post.id);

  const sent = Date.now();
  const comment = await writer.collection('comments').create({ post: post.id, body: 'Hello, live readers' });
  const created = await waitFor(events, (e) => e.action === 'create' && e.record.id === comment.id, 1000);
  assert.ok(created, 'the create arrived within a second');
  assert.ok(created.at - sent < 1000);
  assert.equal(created.record.expand.author.username, writer.authStore.record.username);

  await writer.collection('comments').update(comment.id, { body: 'Hello again' });
  assert.ok(await waitFor(events, (e) => e.action === 'update' && e.record.body === 'Hello again', 1000));
  await writer.collection('comments').delete(comment.id);
  assert.ok(await waitFor(events, (e) => e.action === 'delete' && e.record.id === comment.id, 1000));
  await unsubscribe();
});

test("nobody hears the comments of a post they cannot read", async () => {
  const author = await register(server);
  const reader = await register(server);
  const admin = await server.superuser();

  // a published post that its author then takes back to draft
  const post = await publish(author, 'Soon a draft');
  const comment = await reader.collection('comments').create({ post: post.id, body: 'Said in public' });

  const guest = server.client();
  const other = await register(server);
  const guestEar = await listen(guest, post.id);
  const otherEar = await listen(other, post.id);
  const authorEar = await listen(author, post.id); // the control: the author may read it

  await author.send(`/api/blog/posts/${post.id}`, { method: 'PATCH', body: { status: 'draft' } });
  // editing now needs the post readable; deleting one's own words does not
  await expectStatus(reader.collection('comments').update(comment.id, { body: 'Said in private now' }), 404);
  await reader.collection('comments').delete(comment.id);
  await admin.collection('comments').create({ post: post.id, author: author.authStore.record.id, body: 'Added by a superuser' });

  assert.ok(await waitFor(authorEar.events, (e) => e.record.body === 'Added by a superuser'), 'the author hears it');
  await sleep(500);
  assert.deepEqual(guestEar.events, [], 'the guest heard nothing');
  assert.deepEqual(otherEar.events, [], 'the other user heard nothing');
  for (const ear of [guestEar, otherEar, authorEar]) await ear.unsubscribe();
});

test("a deleted post's comments say goodbye and fall silent", async () => {
  const author = await register(server);
  const post = await publish(author, 'Short-lived');
  const c1 = await author.collection('comments').create({ post: post.id, body: 'one' });
  const c2 = await author.collection('comments').create({ post: post.id, parent: c1.id, body: 'two' });

  const ear = await listen(server.client(), post.id);
  await author.send(`/api/blog/posts/${post.id}`, { method: 'DELETE' });
  for (const id of [c1.id, c2.id]) {
    assert.ok(await waitFor(ear.events, (e) => e.action === 'delete' && e.record.id === id), `delete of ${id}`);
  }
  await sleep(300);
  assert.ok(ear.events.every((e) => e.action === 'delete'));
  for (const id of [c1.id, c2.id]) {
    assert.equal(ear.events.filter((e) => e.record.id === id).length, 1, `one delete of ${id}`);
  }
  await expectStatus(author.collection('comments').create({ post: post.id, body: 'too late' }), 400);
  await ear.unsubscribe();
});
