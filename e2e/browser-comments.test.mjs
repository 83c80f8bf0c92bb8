// Comments in the web app, in a real browser on a phone-sized screen
// (375 px): a long discussion read a page at a time ("Show more
// comments", "Show more replies") while it goes on live, and a comment
// edited in place by its author. Debian's Chromium, headless, driven by
// playwright-core against a real server serving the committed build in
// pb_public; screenshots go to e2e/screenshots/comments-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register } from './server.mjs';
import { SHOTS, launchBrowser, relaxRateLimits, openPage, logIn } from './browser.mjs';

const PHONE = { width: 375, height: 812 };

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  // this suite writes more comments and accounts a minute than a person
  // does: the limits have their own tests
  server = await startServer({ env: { BLOG_COMMENTS_PER_MINUTE: '0' } });
  await relaxRateLimits(server, ['POST /api/blog/posts/', 'users:create', '*:auth']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// page opens a new browser context (a separate reader) on the blog, the
// size of a phone.
function page() {
  return openPage(browser, server, { viewport: PHONE });
}

async function publish(author, title) {
  return author.send('/api/blog/posts', { method: 'POST', body: { title, body: '<p>Talk here.</p>', status: 'published' } });
}

// bodies are the comment bodies of the threads shown, in order: those
// read, then those that came live.
async function bodies(p) {
  return p.locator('.comments > li > article .comment-body').allTextContents();
}

// fitsTheScreen fails when anything on the page is wider than the phone.
async function fitsTheScreen(p) {
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `the page is ${width} px wide`);
}

test('a long discussion a page at a time: more comments, more replies, and live comments meanwhile', async () => {
  const author = await register(server);
  const commenter = await register(server);
  const post = await publish(author, 'A busy discussion');
  // 25 threads, the first with 103 replies, written by a superuser in
  // batches
  const admin = await server.superuser();
  const first = await commenter.collection('comments').create({ post: post.id, body: 'Thread 1' });
  let batch = admin.createBatch();
  for (let i = 2; i <= 25; i += 1) {
    batch.collection('comments').create({ post: post.id, author: commenter.authStore.record.id, body: `Thread ${i}` });
  }
  await batch.send();
  for (let from = 0; from < 103; from += 50) {
    batch = admin.createBatch();
    for (let i = from; i < Math.min(from + 50, 103); i += 1) {
      batch.collection('comments').create({ post: post.id, parent: first.id, author: author.authStore.record.id, body: `Reply ${i + 1}` });
    }
    await batch.send();
  }
  const order = async () => (await author.collection('comments').getFullList({
    filter: author.filter('post = {:post} && parent = ""', { post: post.id }), sort: 'created,id',
  })).map((c) => c.body);

  const reader = await page(); // a guest
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (128)' }).waitFor();
  assert.deepEqual(await bodies(reader), (await order()).slice(0, 20));
  assert.equal(await reader.locator('.replies > li').count(), 100);
  const moreComments = reader.getByRole('button', { name: 'Show 5 more comments' });
  await moreComments.waitFor();
  await reader.getByRole('button', { name: 'Show 3 more replies' }).waitFor();

  // a new comment while the older ones are not all read: shown at once,
  // after the offer of those, and counted
  const late = await author.collection('comments').create({ post: post.id, body: 'A late comment' });
  await reader.getByText('A late comment').waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (129)' }).waitFor();
  assert.deepEqual((await bodies(reader)).slice(-1), ['A late comment']);
  await moreComments.waitFor(); // still 5 older ones to read
  // a reply to a thread not read yet counts too
  const threads = await author.collection('comments').getFullList({
    filter: author.filter('post = {:post} && parent = ""', { post: post.id }), sort: 'created,id',
  });
  await author.collection('comments').create({ post: post.id, parent: threads[22].id, body: 'A reply to thread 23' });
  await reader.getByRole('heading', { name: 'Comments (130)' }).waitFor({ timeout: 2000 });
  await fitsTheScreen(reader);
  await moreComments.scrollIntoViewIfNeeded();
  await reader.screenshot({ path: `${SHOTS}comments-more.png` });

  await moreComments.click();
  await reader.getByText('A reply to thread 23').waitFor({ timeout: 2000 });
  assert.deepEqual(await bodies(reader), await order(), 'every thread once, in order, the late one last');
  assert.equal(await reader.getByRole('button', { name: /more comments?$/ }).count(), 0);
  // the button went with the last of them: the focus is on the first comment it brought
  assert.equal(await reader.evaluate(() => document.activeElement?.querySelector('.comment-body')?.textContent), (await order())[20]);
  assert.equal(await reader.locator(`#comment-${late.id}`).count(), 1);
  await reader.getByRole('heading', { name: 'Comments (130)' }).waitFor();

  // the rest of the long thread
  const moreReplies = reader.getByRole('button', { name: 'Show 3 more replies' });
  await moreReplies.scrollIntoViewIfNeeded();
  await reader.screenshot({ path: `${SHOTS}comments-more-replies.png` });
  await moreReplies.click();
  await reader.getByText('Reply 103', { exact: true }).waitFor({ timeout: 2000 });
  const thread = await author.collection('comments').getFullList({
    filter: author.filter('thread = {:thread}', { thread: first.id }), sort: 'created,id',
  });
  const firstThread = reader.locator(`li:has(> #comment-${first.id}) .replies .comment-body`);
  assert.deepEqual(await firstThread.allTextContents(), thread.map((r) => r.body));
  assert.equal(await reader.getByRole('button', { name: /more repl/ }).count(), 0);
  // all shown now: a new reply is drawn at once
  await author.collection('comments').create({ post: post.id, parent: first.id, body: 'Reply 104' });
  await reader.getByText('Reply 104', { exact: true }).waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (131)' }).waitFor();
  await fitsTheScreen(reader);
  assert.deepEqual(reader.errors, []);
  await reader.context().close();
});

test('a commenter edits their comment in place; other readers see the new text live', async () => {
  const author = await register(server);
  const commenter = await register(server);
  const post = await publish(author, 'Edit in place');
  const mine = await commenter.collection('comments').create({ post: post.id, body: 'Frist!' });
  const theirs = await author.collection('comments').create({ post: post.id, body: 'Welcome, everyone' });

  const writer = await page();
  await logIn(writer, commenter.authStore.record.username);
  await writer.goto(`/posts/${post.slug}`);
  const reader = await page(); // a guest
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByText('Frist!').waitFor();

  // only one's own comments offer Edit
  const own = writer.locator(`#comment-${mine.id}`);
  const others = writer.locator(`#comment-${theirs.id}`);
  await own.getByRole('button', { name: 'Edit your comment' }).waitFor();
  assert.equal(await others.getByRole('button', { name: 'Edit your comment' }).count(), 0);
  assert.equal(await reader.getByRole('button', { name: 'Edit your comment' }).count(), 0);

  // Cancel leaves it as it was
  await own.getByRole('button', { name: 'Edit your comment' }).click();
  const box = writer.getByRole('textbox', { name: 'Edit your comment' });
  assert.equal(await box.inputValue(), 'Frist!');
  assert.equal(await box.getAttribute('maxlength'), '2000');
  await box.fill('Something else');
  await writer.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await box.count(), 0);
  assert.equal(await own.locator('.comment-body').textContent(), 'Frist!');
  // the focus goes back to where it was
  assert.equal(await writer.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit your comment');

  // a blank body is refused, with the server's reason shown
  await own.getByRole('button', { name: 'Edit your comment' }).click();
  await box.fill('   ');
  await writer.getByRole('button', { name: 'Save' }).click();
  await own.getByRole('alert').filter({ hasText: /Edit your comment: / }).waitFor({ timeout: 2000 });
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  await writer.screenshot({ path: `${SHOTS}comments-edit-error.png` });

  await box.fill('First! (typo fixed)');
  await writer.getByRole('button', { name: 'Save' }).click();
  await own.locator('.comment-body').getByText('First! (typo fixed)').waitFor({ timeout: 2000 });
  assert.equal(await box.count(), 0);
  await reader.getByText('First! (typo fixed)').waitFor({ timeout: 2000 });
  assert.equal(await reader.getByText('Frist!').count(), 0);
  await fitsTheScreen(writer);
  await writer.screenshot({ path: `${SHOTS}comments-edit.png` });

  // Escape cancels too
  await own.getByRole('button', { name: 'Edit your comment' }).click();
  await box.press('Escape');
  assert.equal(await box.count(), 0);

  // an edit made elsewhere (another device) shows in both
  await commenter.collection('comments').update(mine.id, { body: 'Edited on my phone' });
  await reader.getByText('Edited on my phone').waitFor({ timeout: 2000 });
  await own.getByText('Edited on my phone').waitFor({ timeout: 2000 });
  assert.match(await reader.locator(`#comment-${mine.id} .byline`).textContent(), / · edited/);
  await reader.screenshot({ path: `${SHOTS}comments-edited-live.png` });
  assert.deepEqual([...writer.errors, ...reader.errors], []);
  await writer.context().close();
  await reader.context().close();
});
