// Comments a page at a time, by cursor, and a comment edited by its
// author, through the JS SDK against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;
// this file writes more comments a minute than a person does: the pace
// has its own tests
before(async () => { server = await startServer({ env: { BLOG_COMMENTS_PER_MINUTE: '0' } }); });
after(async () => { await server?.stop(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function publish(author, title) {
  return author.send('/api/blog/posts', { method: 'POST', body: { title, body: '<p>text</p>', status: 'published' } });
}

function threadsOf(pb, postId, query = {}) {
  return pb.send(`/api/blog/posts/${postId}/comments`, { query });
}

function repliesOf(pb, postId, threadId, query = {}) {
  return pb.send(`/api/blog/posts/${postId}/comments/${threadId}/replies`, { query });
}

// writeThreads adds n top-level comments as pb, one after the other.
async function writeThreads(pb, postId, n, label) {
  const made = [];
  for (let i = 0; i < n; i += 1) {
    made.push(await pb.collection('comments').create({ post: postId, body: `${label} ${i + 1}` }));
  }
  return made;
}

test('threads are walked by cursor, comments written between pages neither repeated nor skipped', async () => {
  const author = await register(server);
  const reader = await register(server);
  const post = await publish(author, 'Many threads');
  await writeThreads(reader, post.id, 12, 'Thread');
  const guest = server.client();

  const first = await threadsOf(guest, post.id, { perPage: 5 });
  assert.equal(first.page, 1);
  assert.equal(first.totalItems, 12);
  assert.equal(first.commentsCount, 12);
  assert.equal(typeof first.nextCursor, 'string');
  const seen = first.items.map((c) => c.id);

  // meanwhile: one thread deleted among those read, two new ones
  const deleted = first.items[1].id;
  await reader.collection('comments').delete(deleted);
  await writeThreads(author, post.id, 2, 'Late thread');

  let cursor = first.nextCursor;
  for (let page = 2; cursor; page += 1) {
    const next = await threadsOf(guest, post.id, { perPage: 5, cursor });
    assert.equal(next.page, page);
    seen.push(...next.items.map((c) => c.id));
    cursor = next.nextCursor;
  }
  // every thread once, in the route's order (created, then id), the
  // deleted one where it was read
  const now = await guest.collection('comments').getFullList({
    filter: guest.filter('post = {:post} && parent = ""', { post: post.id }), sort: 'created,id',
  });
  assert.equal(now.length, 13);
  assert.deepEqual(seen, [now[0].id, deleted, ...now.slice(1).map((c) => c.id)]);

  // page numbers still work without a cursor
  const byNumber = await threadsOf(guest, post.id, { perPage: 5, page: 3 });
  assert.deepEqual(byNumber.items.map((c) => c.id), now.slice(10).map((c) => c.id));
  assert.equal(byNumber.nextCursor, null);

  const bad = await expectStatus(threadsOf(guest, post.id, { cursor: 'not-a-cursor' }), 400);
  assert.equal(bad.response.data.cursor.code, 'validation_invalid_cursor');
  const forged = first.nextCursor.replace(/^./, (ch) => (ch === 'e' ? 'f' : 'e'));
  await expectStatus(threadsOf(guest, post.id, { cursor: forged }), 400);
  const elsewhere = await publish(author, 'Elsewhere');
  const mismatch = await expectStatus(threadsOf(guest, elsewhere.id, { cursor: first.nextCursor }), 400);
  assert.equal(mismatch.response.data.cursor.code, 'validation_cursor_mismatch');
});

test('a long thread sends its first replies and a cursor for the rest', async () => {
  const author = await register(server);
  const post = await publish(author, 'A long thread');
  const top = await author.collection('comments').create({ post: post.id, body: 'Start here' });
  const admin = await server.superuser();
  for (let from = 0; from < 130; from += 50) {
    const batch = admin.createBatch();
    for (let i = from; i < Math.min(from + 50, 130); i += 1) {
      batch.collection('comments').create({ post: post.id, parent: top.id, author: author.authStore.record.id, body: `Reply ${i + 1}` });
    }
    await batch.send();
  }
  const guest = server.client();

  const page = await threadsOf(guest, post.id);
  const [thread] = page.items;
  assert.equal(thread.repliesCount, 130);
  assert.equal(thread.replies.length, 100);
  assert.equal(typeof thread.repliesCursor, 'string');

  const rest = [];
  let cursor = thread.repliesCursor;
  while (cursor) {
    const next = await repliesOf(guest, post.id, top.id, { cursor, perPage: 20 });
    assert.equal(next.totalItems, 130);
    for (const r of next.items) {
      assert.equal(r.thread, top.id);
      assert.equal(r.expand.author.username, author.authStore.record.username);
    }
    rest.push(...next.items);
    cursor = next.nextCursor;
  }
  // in the thread's order, as the collections API reads it
  const all = await guest.collection('comments').getFullList({
    filter: guest.filter('thread = {:thread}', { thread: top.id }), sort: 'created,id',
  });
  assert.deepEqual([...thread.replies, ...rest].map((r) => r.id), all.map((r) => r.id));

  // or from the start, by thread
  const byThread = await repliesOf(guest, post.id, top.id, { perPage: 100, page: 2 });
  assert.deepEqual(byThread.items.map((r) => r.id), all.slice(100).map((r) => r.id));
  await expectStatus(repliesOf(guest, post.id, all[0].id), 404); // a reply is no thread
  await expectStatus(threadsOf(guest, post.id, { cursor: thread.repliesCursor }), 400); // nor are its replies threads
});

test('the comments of a draft, by cursor too, are its author\'s alone', async () => {
  const author = await register(server);
  const other = await register(server);
  const post = await publish(author, 'Soon a draft');
  await writeThreads(other, post.id, 3, 'Said');
  await author.send(`/api/blog/posts/${post.id}`, { method: 'PATCH', body: { status: 'draft' } });

  const page = await threadsOf(author, post.id, { perPage: 2 });
  assert.equal(page.totalItems, 3);
  const admin = await server.superuser();
  assert.equal((await threadsOf(admin, post.id, { perPage: 2, cursor: page.nextCursor })).items.length, 1);
  await expectStatus(threadsOf(server.client(), post.id, { perPage: 2, cursor: page.nextCursor }), 404);
  await expectStatus(threadsOf(other, post.id, { perPage: 2, cursor: page.nextCursor }), 404);
});

test('a comment is edited by its author only, and every reader sees the new text', async () => {
  const author = await register(server);
  const commenter = await register(server);
  const other = await register(server);
  const post = await publish(author, 'Edits');
  const comment = await commenter.collection('comments').create({ post: post.id, body: 'Frist!' });

  const guest = server.client();
  assert.equal((await threadsOf(guest, post.id)).items[0].body, 'Frist!'); // now in the public cache
  const events = [];
  const unsubscribe = await guest.collection('comments').subscribe('*', (e) => events.push(e), {
    filter: guest.filter('post = {:post}', { post: post.id }),
  });

  const edited = await commenter.collection('comments').update(comment.id, { body: '  First!  ' });
  assert.equal(edited.body, 'First!');
  assert.equal(edited.thread, '');
  assert.equal((await threadsOf(guest, post.id)).items[0].body, 'First!');
  for (let i = 0; i < 100 && !events.some((e) => e.action === 'update'); i += 1) await sleep(20);
  assert.equal(events.find((e) => e.action === 'update')?.record.body, 'First!');

  // others may not: not the post's author, not another reader, not a guest
  await expectStatus(other.collection('comments').update(comment.id, { body: 'defaced' }), 404);
  await expectStatus(author.collection('comments').update(comment.id, { body: 'defaced' }), 404);
  await expectStatus(server.client().collection('comments').update(comment.id, { body: 'defaced' }), 404);
  // and the author keeps to the limits
  const blank = await expectStatus(commenter.collection('comments').update(comment.id, { body: '   ' }), 400);
  assert.ok(blank.response.data.body);
  await expectStatus(commenter.collection('comments').update(comment.id, { body: 'x'.repeat(2001) }), 400);
  await commenter.collection('comments').update(comment.id, { body: 'y'.repeat(2000) });
  await expectStatus(commenter.collection('comments').update(comment.id, { post: (await publish(author, 'Other')).id }), 400);
  assert.equal((await guest.collection('comments').getOne(comment.id)).body, 'y'.repeat(2000));
  await unsubscribe();
});
