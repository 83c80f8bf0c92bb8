// The web app in a real browser: Debian's Chromium, headless, driven by
// playwright-core against a real server serving the committed build in
// pb_public. Screenshots of the main pages go to e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, freePort } from './server.mjs';
import { startAlipay } from './alipay-platform.mjs';
import { SHOTS, launchBrowser, relaxRateLimits, openPage, logIn } from './browser.mjs';

let server;
let browser;
let alipay;

before(async () => {
  browser = await launchBrowser();
  alipay = await startAlipay();
  const port = await freePort();
  server = await startServer({ port, env: alipay.env(`http://127.0.0.1:${port}`) });
  // this suite writes more posts and accounts a minute than a person
  // does: it is about the app, the limits have their own tests
  await relaxRateLimits(server, ['POST /api/blog/posts/', 'users:create', '*:auth']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  alipay?.close();
});

// page opens a new browser context (a separate reader) on the blog.
function page() {
  return openPage(browser, server);
}

async function publish(author, fields) {
  return author.send('/api/blog/posts', { method: 'POST', body: { status: 'published', ...fields } });
}

test('a guest reads the listing and a post; plain text stays text', async () => {
  const author = await register(server);
  const post = await publish(author, {
    title: 'A post <em>with markup</em> in its title',
    body: '<p>Hello from the body.</p><script>window.hacked = true</script><p onclick="window.hacked = true">Second paragraph.</p>',
  });
  await author.collection('comments').create({ post: post.id, body: '<b>not bold</b> & <img src=x onerror="window.hacked = true">' });

  const p = await page();
  await p.goto('/');
  await p.getByRole('heading', { name: 'Latest posts' }).waitFor();
  const link = p.getByRole('link', { name: post.title });
  await link.waitFor();
  await p.screenshot({ path: `${SHOTS}listing.png`, fullPage: true });
  // what the app leaves out is not shown as "false" or "null"
  assert.doesNotMatch(await p.locator('body').innerText(), /false|null|undefined/);

  await link.click();
  await p.getByRole('heading', { level: 1, name: post.title }).waitFor();
  await p.getByText('Hello from the body.').waitFor();
  await p.getByText('<b>not bold</b> & <img src=x', { exact: false }).waitFor();
  assert.equal(await p.locator('.comments b, .comments img, .post h1 em').count(), 0);
  // the body arrived sanitized: no script, no event handler attribute
  assert.equal(await p.locator('.post-body script, .post-body [onclick]').count(), 0);
  await p.getByText('Second paragraph.').click();
  assert.equal(await p.evaluate(() => window.hacked), undefined);
  assert.match(p.url(), new RegExp(`/posts/${post.slug}$`));
  await p.screenshot({ path: `${SHOTS}post.png`, fullPage: true });

  // the author's page lists the post
  await p.getByRole('link', { name: author.authStore.record.name }).first().click();
  await p.getByRole('heading', { level: 1, name: author.authStore.record.name }).waitFor();
  await p.getByRole('link', { name: post.title }).waitFor();
  assert.doesNotMatch(await p.locator('body').innerText(), /false|null|undefined/);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('the listing pages back with "Older posts", at real addresses', async () => {
  const author = await register(server);
  for (let i = 1; i <= 12; i += 1) {
    await publish(author, { title: `Paged post ${String(i).padStart(2, '0')}`, body: `<p>Number ${i}.</p>` });
  }
  const p = await page();
  await p.goto('/');
  await p.getByRole('link', { name: 'Paged post 12' }).waitFor();
  assert.equal(await p.locator('.posts > li').count(), 10);
  const older = p.getByRole('link', { name: 'Older posts' });
  assert.equal(await older.getAttribute('rel'), 'next');
  await older.click();
  await p.getByRole('link', { name: 'Paged post 02' }).waitFor();
  assert.match(p.url(), /\/\?page=2$/);
  assert.ok(await p.locator('.posts > li').count() <= 10);
  assert.equal(await p.getByRole('link', { name: 'Newer posts' }).getAttribute('rel'), 'prev');
  // the address is the page: opened anew, the server renders the same
  await p.reload();
  await p.getByRole('link', { name: 'Paged post 02' }).waitFor();
  await p.goBack();
  await p.getByRole('link', { name: 'Paged post 12' }).waitFor();
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('with JavaScript off, a reader and a crawler read the pages the server renders', async () => {
  const author = await register(server);
  const post = await publish(author, {
    title: 'Read without <script>scripts</script>',
    summary: 'What a link preview shows.',
    body: '<p>The whole body, server-rendered.</p>',
  });
  const context = await browser.newContext({ baseURL: server.url, javaScriptEnabled: false });
  const p = await context.newPage();
  const answer = await p.goto(`/posts/${post.slug}`);
  assert.equal(answer.status(), 200);
  assert.equal(await p.locator('h1').textContent(), post.title);
  await p.getByText('The whole body, server-rendered.').waitFor();
  assert.equal(await p.title(), `${post.title} · blogbase`);
  assert.equal(await p.locator('meta[name="description"]').getAttribute('content'), 'What a link preview shows.');
  assert.equal(await p.locator('meta[property="og:title"]').getAttribute('content'), post.title);
  const ld = JSON.parse(await p.locator('script[type="application/ld+json"]').textContent());
  assert.equal(ld['@type'], 'BlogPosting');
  assert.equal(ld.headline, post.title);
  await p.screenshot({ path: `${SHOTS}post-without-javascript.png`, fullPage: true });

  // from the post to its author, and to the listing, by plain links
  await p.getByRole('link', { name: author.authStore.record.name }).first().click();
  await p.getByRole('heading', { level: 1, name: author.authStore.record.name }).waitFor();
  await p.getByRole('link', { name: post.title }).click();
  await p.getByText('The whole body, server-rendered.').waitFor();
  await p.goto('/');
  await p.getByRole('link', { name: post.title }).waitFor();

  // an unknown post is a real 404, with a page a person can read
  const missing = await p.goto('/posts/no-such-post');
  assert.equal(missing.status(), 404);
  await p.getByRole('heading', { name: 'Not found' }).waitFor();
  await context.close();
});

test('with JavaScript on, the app takes the page over: no second read, nothing shown twice', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'Taken over in place', body: '<p>Only once on the page.</p>' });
  const p = await page();
  const reads = [];
  p.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/blog/posts') && !path.endsWith('/comments')) reads.push(path);
  });

  await p.goto(`/posts/${post.slug}`);
  // the comments are the app's: it has taken over
  await p.getByText('No comments yet.').waitFor();
  assert.equal(await p.locator('.comments-section').count(), 1);
  assert.equal(await p.locator('h1').count(), 1);
  assert.equal(await p.locator('.post-body').count(), 1);
  assert.equal(await p.getByText('Only once on the page.').count(), 1);
  assert.equal(await p.title(), `${post.title} · blogbase`);

  await p.goto('/');
  await p.getByRole('link', { name: post.title }).waitFor();
  await p.waitForLoadState('networkidle');
  assert.equal(await p.locator('main h1').count(), 1);
  assert.ok(await p.locator('.posts > li').count() <= 10);
  assert.equal(await p.getByRole('link', { name: post.title }).count(), 1);
  assert.deepEqual(reads, [], 'the app read again what the page held');

  // moving on inside the app reads from the API
  await p.getByRole('link', { name: post.title }).click();
  await p.getByText('Only once on the page.').waitFor();
  assert.deepEqual(reads, [`/api/blog/posts/${post.slug}`]);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test("the site's name, set in the dashboard, is the app's and the pages'", async () => {
  const admin = await server.superuser();
  const site = await admin.collection('site').getFirstListItem('');
  try {
    await admin.collection('site').update(site.id, { name: 'Notes & Letters', description: 'Written by hand.' });
    const p = await page();
    await p.goto('/');
    await p.getByRole('link', { name: 'Notes & Letters' }).first().waitFor();
    assert.equal(await p.title(), 'Notes & Letters');
    await p.goto('/login');
    await p.getByRole('button', { name: 'Log in' }).waitFor();
    assert.equal(await p.locator('.brand').textContent(), 'Notes & Letters');
    assert.match(await p.title(), /Notes & Letters$/);
    await p.context().close();
  } finally {
    await admin.collection('site').update(site.id, { name: site.name, description: site.description });
  }
});

test('a new user signs up, writes and publishes a post, and finds it in the listing', async () => {
  const p = await page();
  const username = `writer_${Date.now() % 1e8}`;
  await p.goto('/signup');
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Name', { exact: true }).fill('Writer in a browser');
  await p.getByLabel('Email').fill(`${username}@example.com`);
  await p.getByLabel('Password').fill('password-123');
  await p.getByRole('button', { name: 'Sign up' }).click();
  await p.getByRole('heading', { name: 'My posts' }).waitFor();

  await p.getByRole('link', { name: 'Write a new post' }).click();
  await p.getByLabel('Title').fill('Written in Chromium');
  await p.getByLabel(/^Body/).fill('<p>Typed into the editor.</p>');
  await p.screenshot({ path: `${SHOTS}editor.png`, fullPage: true });
  await p.getByRole('button', { name: 'Save draft' }).click();
  await p.getByText('Draft: only you can see it.').waitFor();

  // a draft is not in the listing; publishing puts it there
  await p.goto('/');
  await p.locator('.posts > li').first().waitFor();
  assert.equal(await p.getByRole('link', { name: 'Written in Chromium' }).count(), 0);
  await p.goto('/write');
  await p.getByRole('link', { name: 'Edit Written in Chromium' }).click();
  await p.getByRole('button', { name: 'Publish now' }).click();
  await p.getByRole('heading', { level: 1, name: 'Written in Chromium' }).waitFor();
  await p.getByRole('link', { name: 'Posts', exact: true }).click();
  await p.getByRole('link', { name: 'Written in Chromium' }).waitFor({ timeout: 2000 });

  await p.goto('/write');
  await p.getByRole('cell', { name: /^Published/ }).waitFor();
  await p.screenshot({ path: `${SHOTS}my-posts.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('two readers on one post: a comment appears for the other within 2 s', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'Live comments', body: '<p>Talk here.</p>' });
  const commenter = await register(server);

  const writer = await page();
  await logIn(writer, commenter.authStore.record.username);
  await writer.goto(`/posts/${post.slug}`);
  const reader = await page(); // a guest
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (0)' }).waitFor();
  await writer.getByRole('heading', { name: 'Comments (0)' }).waitFor();

  await writer.getByLabel('Add a comment').fill('Hello from the other window');
  const sent = Date.now();
  await writer.getByRole('button', { name: 'Comment', exact: true }).click();
  await reader.getByText('Hello from the other window').waitFor({ timeout: 2000 });
  const took = Date.now() - sent;
  assert.ok(took < 2000, `took ${took} ms`);

  // a reply, live too, in its thread
  await writer.getByRole('button', { name: /^Reply to / }).first().click();
  // the reply box takes the focus
  await writer.keyboard.type('A reply in the thread');
  // the other reader's new comment does not wipe the reply being typed
  await author.collection('comments').create({ post: post.id, body: 'Meanwhile, the author writes' });
  await writer.getByText('Meanwhile, the author writes').waitFor({ timeout: 2000 });
  assert.equal(await writer.getByRole('textbox', { name: /^Reply to/ }).inputValue(), 'A reply in the thread');
  await writer.getByRole('button', { name: 'Reply', exact: true }).click();
  await reader.locator('.replies').getByText('A reply in the thread').waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (3)' }).waitFor();
  await reader.screenshot({ path: `${SHOTS}comments-live.png`, fullPage: true });
  assert.deepEqual([...writer.errors, ...reader.errors], []);
  await writer.context().close();
  await reader.context().close();
});

// threadReads counts the reads of a post's threads route by page p.
function threadReads(p, post) {
  const reads = { count: 0 };
  p.on('request', (r) => {
    if (new URL(r.url()).pathname === `/api/blog/posts/${post.id}/comments`) reads.count += 1;
  });
  return reads;
}

// texts are the comment bodies under locator, in order.
async function texts(locator) {
  return locator.locator(':scope > li > article .comment-body').allTextContents();
}

test('a reader applies comment events in place: no read of the threads after the first', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'Events in place', body: '<p>Talk here.</p>' });
  const first = await author.collection('comments').create({ post: post.id, body: 'First thread' });
  const firstReply = await author.collection('comments').create({ post: post.id, parent: first.id, body: 'A first reply' });
  const second = await author.collection('comments').create({ post: post.id, body: 'Second thread' });
  const commenter = await register(server);
  const name = commenter.authStore.record.name;

  const reader = await page(); // a guest
  const reads = threadReads(reader, post);
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (3)' }).waitFor();
  const thread = (c) => reader.locator(`li:has(> #comment-${c.id})`);

  // another client's comment shows, with its author from the event
  const live = await commenter.collection('comments').create({ post: post.id, body: 'A live comment' });
  await reader.getByText('A live comment').waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (4)' }).waitFor();
  assert.match(await reader.locator(`#comment-${live.id} .byline`).textContent(), new RegExp(`^${name} · `));
  assert.deepEqual(await texts(reader.locator('.comments')), ['First thread', 'Second thread', 'A live comment']);

  // replies go to their thread, a reply to a reply says whom it answers
  const reply = await commenter.collection('comments').create({ post: post.id, parent: live.id, body: 'Replying to myself' });
  const deeper = await commenter.collection('comments').create({ post: post.id, parent: reply.id, body: 'And again, deeper' });
  await reader.getByRole('heading', { name: 'Comments (6)' }).waitFor({ timeout: 2000 });
  assert.deepEqual(await texts(thread(live).locator('.replies')), ['Replying to myself', 'And again, deeper']);
  assert.match(await reader.locator(`#comment-${deeper.id} .byline`).textContent(), new RegExp(`in reply to ${name}$`));
  const late = await commenter.collection('comments').create({ post: post.id, parent: first.id, body: 'A late reply to the first thread' });
  await reader.getByRole('heading', { name: 'Comments (7)' }).waitFor({ timeout: 2000 });
  assert.deepEqual(await texts(thread(first).locator('.replies')), ['A first reply', 'A late reply to the first thread']);

  // an edit changes the body, nothing else
  await commenter.collection('comments').update(live.id, { body: 'A live comment, edited' });
  await reader.getByText('A live comment, edited').waitFor({ timeout: 2000 });
  assert.equal(await reader.getByText('A live comment', { exact: true }).count(), 0);
  await reader.getByRole('heading', { name: 'Comments (7)' }).waitFor();

  // a deleted comment goes with its replies (the server sends an event
  // for each of them too)
  await commenter.collection('comments').delete(live.id);
  await reader.getByRole('heading', { name: 'Comments (4)' }).waitFor({ timeout: 2000 });
  for (const gone of [live, reply, deeper]) assert.equal(await reader.locator(`#comment-${gone.id}`).count(), 0);
  assert.deepEqual(await texts(reader.locator('.comments')), ['First thread', 'Second thread']);

  // a reply deleted alone, then a whole thread deleted by the post's author
  await commenter.collection('comments').delete(late.id);
  await reader.getByRole('heading', { name: 'Comments (3)' }).waitFor({ timeout: 2000 });
  assert.deepEqual(await texts(thread(first).locator('.replies')), ['A first reply']);
  await author.collection('comments').delete(first.id);
  await reader.getByRole('heading', { name: 'Comments (1)' }).waitFor({ timeout: 2000 });
  assert.equal(await reader.locator(`#comment-${firstReply.id}`).count(), 0);
  assert.equal(await reader.getByText('No comments yet.').isVisible(), false);
  await author.collection('comments').delete(second.id);
  await reader.getByRole('heading', { name: 'Comments (0)' }).waitFor({ timeout: 2000 });
  await reader.getByText('No comments yet.').waitFor();
  assert.equal(await reader.locator('.comments > li').count(), 0);

  // a last one, after the deletions: still in place, still no read
  await commenter.collection('comments').create({ post: post.id, body: 'Starting over' });
  await reader.getByRole('heading', { name: 'Comments (1)' }).waitFor({ timeout: 2000 });
  assert.deepEqual(await texts(reader.locator('.comments')), ['Starting over']);
  assert.equal(reads.count, 1, 'the threads were read again after the first load');
  assert.deepEqual(reader.errors, []);
  await reader.context().close();
});

test('a long thread shows its first 100 replies, then the rest on request', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'A long thread', body: '<p>Talk.</p>' });
  const top = await author.collection('comments').create({ post: post.id, body: 'Start here' });
  // written by a superuser in batches: one account may write 10 a minute
  const admin = await server.superuser();
  for (let from = 0; from < 105; from += 50) {
    const batch = admin.createBatch();
    for (let i = from; i < Math.min(from + 50, 105); i += 1) {
      batch.collection('comments').create({ post: post.id, parent: top.id, author: author.authStore.record.id, body: `Reply number ${i + 1}` });
    }
    await batch.send();
  }

  const reader = await page();
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (106)' }).waitFor();
  assert.equal(await reader.locator('.replies > li').count(), 100);
  await reader.getByRole('button', { name: 'Show 5 more replies' }).click();
  await reader.getByText('Reply number 105', { exact: true }).waitFor({ timeout: 2000 });
  assert.equal(await reader.locator('.replies > li').count(), 105);
  assert.equal(await reader.getByRole('button', { name: /more repl/ }).count(), 0);
  assert.deepEqual(reader.errors, []);
  await reader.context().close();
});

test('a new reply to a thread with replies not shown waits behind "Show more replies"', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'A long thread, live', body: '<p>Talk.</p>' });
  const top = await author.collection('comments').create({ post: post.id, body: 'Start here' });
  const admin = await server.superuser();
  for (let from = 0; from < 101; from += 50) {
    const batch = admin.createBatch();
    for (let i = from; i < Math.min(from + 50, 101); i += 1) {
      batch.collection('comments').create({ post: post.id, parent: top.id, author: author.authStore.record.id, body: `Reply number ${i + 1}` });
    }
    await batch.send();
  }

  const reader = await page();
  const reads = threadReads(reader, post);
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (102)' }).waitFor();
  await reader.getByRole('button', { name: 'Show 1 more reply' }).waitFor();

  // counted and offered, not drawn out of order after reply 100
  await author.collection('comments').create({ post: post.id, parent: top.id, body: 'Reply number 102' });
  await reader.getByRole('heading', { name: 'Comments (103)' }).waitFor({ timeout: 2000 });
  await reader.getByRole('button', { name: 'Show 2 more replies' }).waitFor();
  assert.equal(await reader.locator('.replies > li').count(), 100);
  assert.equal(await reader.getByText('Reply number 102').count(), 0);

  await reader.getByRole('button', { name: 'Show 2 more replies' }).click();
  await reader.getByText('Reply number 102', { exact: true }).waitFor({ timeout: 2000 });
  // in the thread's order, as the route and the collections API read it
  // (replies written in one batch may share a millisecond: the id decides)
  const thread = await author.collection('comments').getFullList({
    filter: author.filter('thread = {:thread}', { thread: top.id }), sort: 'created,id',
  });
  assert.deepEqual(await texts(reader.locator('.replies')), thread.map((r) => r.body));
  assert.deepEqual(thread.slice(-2).map((r) => r.body), ['Reply number 101', 'Reply number 102']);
  assert.equal(await reader.getByRole('button', { name: /more repl/ }).count(), 0);

  // all shown now: the next one is drawn at once, a deleted one goes
  await author.collection('comments').create({ post: post.id, parent: top.id, body: 'Reply number 103' });
  await reader.getByText('Reply number 103', { exact: true }).waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (104)' }).waitFor();
  assert.equal(await reader.locator('.replies > li').count(), 103);
  await author.collection('comments').delete(thread[0].id);
  await reader.getByRole('heading', { name: 'Comments (103)' }).waitFor({ timeout: 2000 });
  assert.equal(await reader.locator('.replies > li').count(), 102);
  assert.equal(reads.count, 1, 'the threads were read again after the first load');
  assert.deepEqual(reader.errors, []);
  await reader.context().close();
});

test('after a lost realtime connection the reader reads the threads again, once', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'A reader offline', body: '<p>Talk.</p>' });

  const reader = await page();
  // the app's EventSource, kept where the test can break it; while
  // blocked, new connections go to a port nothing answers on (the SDK
  // retries with backoff)
  await reader.addInitScript(() => {
    const Real = window.EventSource;
    window.sse = { open: [], blocked: false };
    window.EventSource = class extends Real {
      constructor(url, init) {
        super(window.sse.blocked ? 'http://127.0.0.1:9/' : url, init);
        window.sse.open.push(this);
      }
    };
  });
  const reads = threadReads(reader, post);
  await reader.goto(`/posts/${post.slug}`);
  await reader.getByRole('heading', { name: 'Comments (0)' }).waitFor();
  const before = await author.collection('comments').create({ post: post.id, body: 'Before the break' });
  await reader.getByRole('heading', { name: 'Comments (1)' }).waitFor({ timeout: 2000 });

  // the connection drops: closed, and the SDK told as by a network error
  await reader.evaluate(() => {
    window.sse.blocked = true;
    const es = window.sse.open.at(-1);
    es.close();
    es.onerror(new Event('error'));
  });
  const missed = await author.collection('comments').create({ post: post.id, body: 'Written while the reader was away' });
  const edited = 'Before the break, edited meanwhile';
  await author.collection('comments').update(before.id, { body: edited });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await reader.getByText(missed.body).count(), 0, 'an event reached a connection that was closed');
  assert.equal(reads.count, 1);

  await reader.evaluate(() => { window.sse.blocked = false; });
  await reader.getByText(missed.body).waitFor({ timeout: 5000 });
  await reader.getByText(edited).waitFor();
  await reader.getByRole('heading', { name: 'Comments (2)' }).waitFor();
  assert.equal(reads.count, 2);

  // live again, without further reads
  await author.collection('comments').create({ post: post.id, body: 'After the break' });
  await reader.getByText('After the break').waitFor({ timeout: 2000 });
  await reader.getByRole('heading', { name: 'Comments (3)' }).waitFor();
  assert.equal(reads.count, 2);
  assert.deepEqual(reader.errors, []);
  await reader.context().close();
});

test("nobody but the author sees a draft", async () => {
  const author = await register(server);
  const draft = await author.send('/api/blog/posts', { method: 'POST', body: { title: 'Secret draft', body: '<p>not yet</p>' } });
  const other = await register(server);

  const guest = await page();
  await guest.goto(`/posts/${draft.id}`);
  await guest.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.equal(await guest.getByText('not yet').count(), 0);
  await guest.goto('/');
  await guest.locator('.posts > li').first().waitFor();
  assert.equal(await guest.getByText('Secret draft').count(), 0);

  const someone = await page();
  await logIn(someone, other.authStore.record.username);
  await someone.goto(`/posts/${draft.slug}`);
  await someone.getByRole('heading', { name: 'Not found' }).waitFor();
  await someone.goto(`/write/${draft.id}`);
  await someone.getByRole('heading', { name: 'Not found' }).waitFor();

  const owner = await page();
  await logIn(owner, author.authStore.record.username);
  await owner.goto(`/posts/${draft.slug}`);
  await owner.getByText('not yet').waitFor();
  await guest.context().close();
  await someone.context().close();
  await owner.context().close();
});

test('keyboard only: from the listing to a post, then logging in', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'Reached by keyboard', body: '<p>No mouse needed.</p>' });

  const p = await page();
  await p.goto('/');
  await p.getByRole('link', { name: post.title }).waitFor();
  // Tab until the post's link has the focus, then follow it with Enter
  for (let i = 0; i < 40; i += 1) {
    await p.keyboard.press('Tab');
    if (await p.evaluate((t) => document.activeElement?.textContent === t, post.title)) break;
  }
  assert.equal(await p.evaluate(() => document.activeElement?.textContent), post.title);
  await p.keyboard.press('Enter');
  await p.getByRole('heading', { level: 1, name: post.title }).waitFor();
  // the page takes the focus once it is ready, so the next Tab starts
  // from the top of it
  await p.waitForFunction(() => document.activeElement?.id === 'main', null, { timeout: 2000 });

  // the skip link is the first stop on a fresh page
  await p.goto('/login');
  await p.getByRole('heading', { name: 'Log in' }).waitFor();
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await p.evaluate(() => { document.querySelector('.view').dataset.kept = 'yes'; });
  await p.keyboard.press('Enter');
  // the jump to #main moves the focus, it does not draw the page again
  assert.equal(await p.evaluate(() => document.querySelector('.view')?.dataset.kept), 'yes');
  for (let i = 0; i < 20; i += 1) {
    await p.keyboard.press('Tab');
    if (await p.evaluate(() => document.activeElement?.name === 'identity')) break;
  }
  await p.keyboard.type(author.authStore.record.username);
  await p.keyboard.press('Tab');
  await p.keyboard.type('password-123');
  await p.keyboard.press('Enter');
  await p.getByRole('button', { name: 'Log out' }).waitFor();
  await p.screenshot({ path: `${SHOTS}logged-in.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('a reader buys a paid post: the pay page, then the body once the payment is in', async () => {
  const author = await register(server);
  const post = await publish(author, { title: 'Worth paying for', body: '<p>The paid part.</p>', price: 5, summary: 'A teaser.' });
  const buyer = await register(server);

  const p = await page();
  await p.goto(`/posts/${post.slug}`);
  await p.getByText('Log in to buy it').waitFor();
  await logIn(p, buyer.authStore.record.username);
  await p.goto(`/posts/${post.slug}`);
  await p.getByText('A teaser.').waitFor();
  assert.equal(await p.getByText('The paid part.').count(), 0);
  await p.screenshot({ path: `${SHOTS}paywall.png`, fullPage: true });

  await p.getByRole('button', { name: /Buy with Alipay/ }).click();
  await p.waitForURL((u) => u.href.startsWith(alipay.gatewayUrl));
  assert.equal(new URL(p.url()).searchParams.get('method'), 'alipay.trade.page.pay');

  // back from the pay page before Alipay's notification: the page waits
  // for it and opens the body when it comes
  const [order] = (await buyer.collection('orders').getList(1, 1, { filter: `post="${post.id}"` })).items;
  await p.goto(`/posts/${post.slug}?order=${order.id}`);
  await p.getByText('Waiting for the payment to be confirmed').waitFor();
  const answer = await alipay.notify(server.url, alipay.notification(order.outTradeNo, 'TRADE_SUCCESS', '5.00'));
  assert.deepEqual(answer, { status: 200, text: 'success' });
  await p.getByText('The paid part.').waitFor({ timeout: 2000 });
  await p.getByText('Payment received').waitFor();
  await p.screenshot({ path: `${SHOTS}paid.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
