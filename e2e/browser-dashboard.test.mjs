// The dashboard in a real browser (Debian's Chromium, headless, driven by
// playwright-core against a real server): a superuser goes from a post to
// its body in one click, the body names its post, and the server's own
// collections are listed apart. Screenshots go to e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, SUPERUSER } from './server.mjs';
import { SHOTS, launchBrowser } from './browser.mjs';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// dashboard opens the dashboard signed in as the superuser.
async function dashboard() {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 900 } });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (err) => errors.push(err));
  p.errors = errors;
  await p.goto('/_/');
  await p.fill('#login_identity', SUPERUSER.email);
  await p.fill('#login_pass', SUPERUSER.password);
  await p.getByRole('button', { name: 'Login' }).click();
  await p.getByText('New collection').waitFor();
  // the dashboard then opens its first collection: a page asked for
  // before it did would be replaced by it
  await p.waitForURL(/collection=/);
  return p;
}

test('from a post to its body in one click, and back by its title', async () => {
  const author = await register(server);
  const admin = await server.superuser();
  // written as the dashboard writes: the collections API, as a superuser
  const post = await admin.collection('posts').create({
    title: 'Written by the editor in chief', author: author.authStore.record.id, currency: 'usd', price: 4.5,
  });
  assert.equal(post.currency, 'USD');
  assert.ok(post.content, 'the new post names its body record');
  await admin.collection('postContents').update(post.content, { body: '<p>Opening words of the body.</p>' });

  const p = await dashboard();
  await p.goto(`/_/#/collections?collection=posts&record=${post.id}`);
  const content = p.locator('.record-field-input.field-type-relation').filter({ hasText: 'content' });
  await content.getByText('Opening words of the body.').waitFor();
  await p.screenshot({ path: `${SHOTS}dashboard-post.png` });

  // the chip's preview holds the link to the body's own panel
  await content.locator('.record-preview-icon').hover();
  const [tab] = await Promise.all([
    p.context().waitForEvent('page'),
    content.getByText('Edit relation record').click(),
  ]);
  await tab.waitForLoadState();
  assert.match(tab.url(), new RegExp(`record=${post.content}`));
  await tab.getByText('postContents record').waitFor(); // the panel's heading: Edit postContents record
  const postField = tab.locator('.record-field-input.field-type-relation').filter({ hasText: 'post' });
  await postField.getByText('Written by the editor in chief').waitFor();
  await tab.screenshot({ path: `${SHOTS}dashboard-body.png` });
  assert.deepEqual(p.errors, []);
});

test("the server's own collections are listed apart, under System", async () => {
  const p = await dashboard();
  await p.goto('/_/#/collections');
  const system = p.locator('.nav-group-system-collections');
  await system.locator('summary').click();
  for (const name of ['paymentEvents', 'revokedTokens', 'smsCodes', 'smsOutbox']) {
    await system.getByText(name, { exact: true }).waitFor();
  }
  const content = await p.locator('.nav-group-system-collections').textContent();
  for (const name of ['posts', 'postContents', 'comments', 'orders', 'site']) {
    assert.ok(!content.split(/\s+/).includes(name), `${name} is listed as a system collection`);
  }
  await p.screenshot({ path: `${SHOTS}dashboard-system.png` });
});

test("the web app's boot data holds the site's currency, payments and mail", async () => {
  const admin = await server.superuser();
  const [site] = await admin.collection('site').getFullList();
  await admin.collection('site').update(site.id, { currency: 'eur' });

  const context = await browser.newContext({ baseURL: server.url });
  const p = await context.newPage();
  await p.goto('/');
  const boot = await p.evaluate(() => JSON.parse(document.getElementById('blog-data').textContent).site);
  assert.equal(boot.currency, 'EUR');
  assert.equal(boot.payments, false); // no provider configured
  assert.equal(boot.mail, false);

  await admin.settings.update({ smtp: { enabled: true, host: 'smtp.example.com', port: 587 } });
  await p.goto('/login');
  const later = await p.evaluate(() => JSON.parse(document.getElementById('blog-data').textContent).site);
  assert.equal(later.mail, true);
});
