// The writer's editor in a real browser (Debian's Chromium, headless,
// driven by playwright-core) against a real server serving the committed
// build in pb_public: Markdown with its live preview, pasted images and a
// cover, publishing now or later, and work kept across a reload.
// Screenshots go to e2e/screenshots/editor-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, freePort } from './server.mjs';
import { startAlipay } from './alipay-platform.mjs';
import { SHOTS, launchBrowser, relaxRateLimits, openPage, logIn } from './browser.mjs';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  // this suite writes more posts and accounts a minute than a person
  // does: it is about the app, the limits have their own tests
  await relaxRateLimits(server, ['POST /api/blog/posts/', 'users:create', '*:auth']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// page opens a new browser context (a separate reader) on the blog;
// dialogs (the warning before leaving unsaved work) are accepted.
function page(options = {}) {
  return openPage(browser, server, { viewport: { width: 1280, height: 900 }, ...options });
}

// png draws a PNG of the given size and colour in the page's canvas and
// answers its bytes.
async function png(p, width, height, colour) {
  const base64 = await p.evaluate(([w, h, c]) => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d');
    g.fillStyle = c;
    g.fillRect(0, 0, w, h);
    g.fillStyle = '#fff';
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    return canvas.toDataURL('image/png').split(',')[1];
  }, [width, height, colour]);
  return Buffer.from(base64, 'base64');
}

// paste pastes a file into the textarea as a browser does when an image
// is on the clipboard.
async function paste(p, selector, bytes, name, type) {
  await p.locator(selector).evaluate((textarea, [base64, fileName, fileType]) => {
    const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const clipboard = new DataTransfer();
    clipboard.items.add(new File([data], fileName, { type: fileType }));
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }));
  }, [bytes.toString('base64'), name, type]);
}

// loaded tells whether every image matched loads with pixels within a
// few seconds (a cover's thumbnail is made on its first request).
async function loaded(p, selector) {
  try {
    await p.waitForFunction((sel) => {
      const images = [...document.querySelectorAll(sel)];
      return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
    }, selector, { timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

// localTime is the browser's datetime-local value minutes from now.
function localTime(p, minutes) {
  return p.evaluate((m) => {
    const at = new Date(Date.now() + m * 60 * 1000);
    const two = (n) => String(n).padStart(2, '0');
    return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
  }, minutes);
}

const markdown = `# A heading in Markdown

Some **bold words** and a [link to the docs](https://example.com/docs).

- first item
- second item

| Name  | Value |
| ----- | ----- |
| alpha | 1     |

A picture:
`;

test('a new author writes Markdown with a pasted image and a cover, publishes it, and a guest reads it', async () => {
  const p = await page();
  const username = `md_writer_${Date.now() % 1e8}`;
  await p.goto('/signup');
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Name', { exact: true }).fill('Markdown Writer');
  await p.getByLabel('Email').fill(`${username}@example.com`);
  await p.getByLabel('Password').fill('password-123');
  await p.getByRole('button', { name: 'Sign up' }).click();
  await p.getByRole('heading', { name: 'My posts' }).waitFor();

  await p.getByRole('link', { name: 'Write a new post' }).click();
  await p.getByRole('heading', { name: 'Write a post' }).waitFor();
  // payments are not configured on this server: no price to set
  assert.equal(await p.getByLabel(/^Price/).count(), 0);
  await p.getByLabel('Title').fill('Written in Markdown');
  await p.getByLabel(/^Body/).fill(markdown);

  // the pasted image becomes an upload, then Markdown at the cursor
  await paste(p, '#post-markdown', await png(p, 320, 200, '#0b57d0'), 'image.png', 'image/png');
  await p.waitForFunction(() => /!\[image\]\(\/api\/files\/postImages\/\w+\/[^)]+\.png\)/.test(document.querySelector('#post-markdown').value));
  assert.doesNotMatch(await p.locator('#post-markdown').inputValue(), /Uploading/);
  // and one more from the "Add image" button, after it
  await p.getByLabel('Images to add').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await png(p, 200, 120, '#1e8e3e') });
  await p.waitForFunction(() => /\)\n\n!\[photo\]\(\/api\/files\/postImages\/\w+\/[^)]+\.png\)$/.test(document.querySelector('#post-markdown').value));

  // the preview is the server's rendering of the Markdown, the author's
  // own image included (protected: loaded with a file token)
  const preview = p.locator('.preview-body');
  await preview.getByRole('heading', { level: 1, name: 'A heading in Markdown' }).waitFor();
  assert.equal(await preview.locator('strong').textContent(), 'bold words');
  assert.equal(await preview.locator('li').count(), 2);
  assert.equal(await preview.locator('table td').first().textContent(), 'alpha');
  assert.equal(await preview.getByRole('link', { name: 'link to the docs' }).getAttribute('href'), 'https://example.com/docs');
  await p.waitForFunction(() => {
    const images = [...document.querySelectorAll('.preview-body img')];
    return images.length === 2 && images.every((img) => img.complete && img.naturalWidth > 0);
  });
  assert.match(await preview.locator('img').first().getAttribute('src'), /\?token=/);

  // the cover, chosen before the post exists, is shown and saved with it
  await p.getByLabel(/^Cover image/).setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: await png(p, 640, 360, '#b3261e') });
  await p.waitForFunction(() => document.querySelector('.cover-preview')?.naturalWidth > 0);
  await p.waitForFunction(() => document.getElementById('status').textContent === '', null, { timeout: 8000 });
  await p.screenshot({ path: `${SHOTS}editor-preview.png`, fullPage: true });

  await p.getByRole('button', { name: 'Publish now' }).click();
  await p.getByRole('heading', { level: 1, name: 'Written in Markdown' }).waitFor();
  const slug = new URL(p.url()).pathname.split('/').pop();
  await p.locator('.post-body table').waitFor();
  assert.ok(await loaded(p, '.post-body img'), 'the author sees the image');
  assert.ok(await loaded(p, 'img.cover'), 'the author sees the cover');
  await p.screenshot({ path: `${SHOTS}editor-published.png`, fullPage: true });

  // the local copy of the work went with the save
  assert.equal(await p.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('blogbase:unsaved:')).length), 0);
  assert.deepEqual(p.errors, []);

  // a guest reads the rendered post, its image and its cover
  const guest = await page();
  await guest.goto(`/posts/${slug}`);
  await guest.getByRole('heading', { level: 1, name: 'Written in Markdown' }).waitFor();
  const body = guest.locator('.post-body');
  await body.getByRole('heading', { name: 'A heading in Markdown' }).waitFor();
  assert.equal(await body.locator('strong').textContent(), 'bold words');
  assert.equal(await body.locator('li').count(), 2);
  assert.equal(await body.locator('table td').first().textContent(), 'alpha');
  assert.equal(await body.getByRole('link', { name: 'link to the docs' }).getAttribute('href'), 'https://example.com/docs');
  assert.equal(await body.locator('img').count(), 2);
  await guest.waitForFunction(() => [...document.querySelectorAll('.post-body img')].every((img) => img.complete && img.naturalWidth > 0));
  assert.ok(await loaded(guest, '.post-body img'), 'the guest sees the image');
  await guest.locator('.post img.cover').waitFor();
  await guest.waitForFunction(() => document.querySelector('.post img.cover')?.naturalWidth > 0);
  assert.deepEqual(guest.errors, []);
  await guest.context().close();
  await p.context().close();
});

test('a post scheduled for later shows as "Scheduled for" in My posts and is not found by a guest', async () => {
  const author = await register(server);
  const p = await page();
  await logIn(p, author.authStore.record.username);
  await p.goto('/write/new');
  await p.getByLabel('Title').fill('Coming out later');
  await p.getByLabel(/^Body/).fill('Not **yet**.');
  // a time in the past is refused next to its field
  await p.getByLabel(/^Schedule for/).fill(await localTime(p, -60));
  await p.getByRole('button', { name: 'Schedule', exact: true }).click();
  await p.locator('#post-published-error', { hasText: 'future' }).waitFor();
  assert.equal(await p.getByLabel(/^Schedule for/).getAttribute('aria-invalid'), 'true');

  await p.getByLabel(/^Schedule for/).fill(await localTime(p, 5));
  await p.getByRole('button', { name: 'Schedule', exact: true }).click();
  await p.getByRole('heading', { name: 'My posts' }).waitFor();
  await p.getByRole('cell', { name: /Scheduled for/ }).waitFor();
  const [post] = (await author.collection('posts').getList(1, 1, { filter: 'title = "Coming out later"' })).items;
  assert.equal(post.status, 'scheduled');
  const minutes = (new Date(post.published.replace(' ', 'T')) - Date.now()) / 60000;
  assert.ok(minutes > 3 && minutes < 6, `published in ${minutes} minutes`);

  // a guest does not find it, through the page or the API
  const guest = await page();
  await guest.goto(`/posts/${post.slug}`);
  await guest.getByRole('heading', { name: 'Not found' }).waitFor();
  assert.equal((await fetch(`${server.url}/api/blog/posts/${post.id}`)).status, 404);
  await guest.context().close();

  // rescheduled from the editor, where it can also come out now or go
  // back to the drafts
  await p.getByRole('link', { name: 'Edit Coming out later' }).click();
  await p.getByText(/^Scheduled for .*Only you can see it/).waitFor();
  await p.getByRole('button', { name: 'Publish now' }).waitFor();
  await p.getByRole('button', { name: 'Return to draft' }).waitFor();
  await p.getByLabel(/^Schedule for/).fill(await localTime(p, 30));
  await p.getByRole('button', { name: 'Save', exact: true }).click();
  await p.getByRole('heading', { name: 'My posts' }).waitFor();
  const moved = await author.collection('posts').getOne(post.id);
  assert.equal(moved.status, 'scheduled');
  assert.ok(new Date(moved.published.replace(' ', 'T')) - Date.now() > 25 * 60000);

  // 375 px: the list is cards, the header wraps, nothing scrolls sideways
  await p.setViewportSize({ width: 375, height: 740 });
  await p.getByRole('cell', { name: /Scheduled for/ }).waitFor();
  // the announcement of the save, over the header, goes after a while
  await p.waitForFunction(() => document.getElementById('status').textContent === '', null, { timeout: 8000 });
  assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 375);
  await p.screenshot({ path: `${SHOTS}editor-my-posts-375.png`, fullPage: true });
  await p.locator('#site-header').screenshot({ path: `${SHOTS}editor-header-375.png` });

  // the editor at 375 px: Write and Preview are tabs
  await p.getByRole('link', { name: 'Edit Coming out later' }).click();
  await p.getByRole('tab', { name: 'Preview' }).click();
  await p.locator('.preview-body strong', { hasText: 'yet' }).waitFor();
  assert.equal(await p.locator('#post-markdown').isVisible(), false);
  await p.getByRole('tab', { name: 'Write' }).click();
  assert.equal(await p.locator('#post-markdown').isVisible(), true);
  assert.equal(await p.evaluate(() => document.documentElement.scrollWidth), 375);
  await p.screenshot({ path: `${SHOTS}editor-375.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('unsaved work is offered back after a reload, leaving asks first, and errors show by their fields', async () => {
  const author = await register(server);
  const p = await page();
  await logIn(p, author.authStore.record.username);
  await p.goto('/write/new');
  await p.getByLabel('Title').fill('Kept in the browser');
  await p.getByLabel(/^Body/).fill('Typed, *not saved*.');
  await p.getByText('Unsaved changes.').waitFor();
  await p.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('blogbase:unsaved:')));

  // a link in the app asks first; staying keeps the work on screen
  p.removeAllListeners('dialog');
  const asked = new Promise((resolve) => p.once('dialog', (d) => { resolve(d.type()); d.dismiss(); }));
  await p.getByRole('link', { name: 'Posts', exact: true }).click();
  assert.equal(await asked, 'confirm');
  assert.match(p.url(), /\/write\/new$/);
  assert.equal(await p.getByLabel('Title').inputValue(), 'Kept in the browser');
  p.on('dialog', (d) => d.accept());

  await p.reload();
  await p.getByText(/^Restore unsaved changes from /).waitFor();
  assert.equal(await p.getByLabel('Title').inputValue(), '');
  await p.getByRole('button', { name: 'Restore' }).click();
  assert.equal(await p.getByLabel('Title').inputValue(), 'Kept in the browser');
  assert.equal(await p.getByLabel(/^Body/).inputValue(), 'Typed, *not saved*.');
  await p.locator('.preview-body em', { hasText: 'not saved' }).waitFor();

  // an image the server refuses leaves no placeholder, and says why
  await paste(p, '#post-markdown', Buffer.from('not an image at all'), 'fake.png', 'image/png');
  await p.locator('.body-images [role="alert"]', { hasText: /fake\.png.*file/ }).waitFor();
  assert.equal(await p.getByLabel(/^Body/).inputValue(), 'Typed, *not saved*.');

  // a blank body is the server's 400, shown by the body
  await p.getByLabel(/^Body/).fill('   ');
  await p.getByRole('button', { name: 'Save draft' }).click();
  await p.locator('#post-markdown-error:not(:empty)').waitFor();
  assert.equal(await p.getByLabel(/^Body/).getAttribute('aria-invalid'), 'true');

  // saved, the draft stays in the editor and the local copy is gone
  await p.getByLabel(/^Body/).fill('Typed, *now saved*.');
  await p.getByRole('button', { name: 'Save draft' }).click();
  await p.getByText('Draft: only you can see it.').waitFor();
  assert.match(p.url(), /\/write\/\w+$/);
  assert.doesNotMatch(p.url(), /\/new$/);
  assert.equal(await p.getByText('Unsaved changes.').count(), 0);
  await p.reload();
  await p.getByRole('heading', { name: 'Edit “Kept in the browser”' }).waitFor();
  assert.equal(await p.getByLabel(/^Body/).inputValue(), 'Typed, *now saved*.');
  assert.equal(await p.getByText(/^Restore unsaved changes/).count(), 0);
  await p.goto('/write');
  await p.getByRole('cell', { name: 'Draft', exact: true }).waitFor();
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('with payments set up, the editor prices a post, in the site\'s currency unless told otherwise', async () => {
  const alipay = await startAlipay();
  const port = await freePort();
  const paying = await startServer({ port, env: alipay.env(`http://127.0.0.1:${port}`) });
  try {
    const author = await register(paying);
    const context = await browser.newContext({ baseURL: paying.url });
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (err) => errors.push(err));
    await logIn(p, author.authStore.record.username);
    await p.goto('/write/new');
    await p.getByLabel('Title').fill('Worth a price');
    await p.getByLabel(/^Body/).fill('Paid **words**.');
    assert.equal(await p.getByLabel('Currency').inputValue(), 'CNY');
    await p.getByLabel(/^Price/).fill('9.9');
    await p.getByLabel('Currency').fill('usd');
    await p.getByRole('button', { name: 'Save draft' }).click();
    await p.getByText('Draft: only you can see it.').waitFor();
    const [post] = (await author.collection('posts').getList(1, 1, { filter: 'title = "Worth a price"' })).items;
    assert.equal(post.price, 9.9);
    assert.equal(post.currency, 'USD');
    assert.equal(await p.getByLabel('Currency').inputValue(), 'USD');
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await paying.stop();
    alipay.close();
  }
});
