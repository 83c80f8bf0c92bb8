// Tags and search in a real browser (Debian's Chromium, headless, driven
// by playwright-core) against a real server serving the committed build in
// pb_public: an author tags a post in the editor (a new tag, one picked
// from the suggestions, a Chinese one), readers see the chips, follow one
// to the tag's page, and find the post from the header's search box, in
// English and in Chinese. Screenshots go to e2e/screenshots/ (search.png,
// search-375.png, tag-page.png, editor-tags.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register } from './server.mjs';
import { SHOTS, launchBrowser, relaxRateLimits, openPage, logIn } from './browser.mjs';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  await relaxRateLimits(server, ['POST /api/blog/posts/', 'users:create', '*:auth']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function page(options = {}) {
  return openPage(browser, server, { viewport: { width: 1280, height: 900 }, ...options });
}

// publish creates a published post through the route, as the signed-in
// client pb.
function publish(pb, body) {
  return pb.send('/api/blog/posts', { method: 'POST', body: { status: 'published', ...body } });
}

// chosen is the names of the tags chosen in the editor, as the chips show.
async function chosen(p) {
  return p.locator('.tag-choices .tag').evaluateAll((chips) => chips.map((c) => c.firstChild.textContent));
}

// settled waits until the status announcement over the header is gone,
// for a screenshot of the page alone.
function settled(p) {
  return p.waitForFunction(() => document.getElementById('status').textContent === '', null, { timeout: 8000 });
}

const title = 'Quantum gardens and <script>alert("title")</script> tags';
const body = `Notes on quantum gardening for the patient.

我们讨论数据库的设计，也谈索引。

The end.`;

test('an author tags a post in the editor; readers follow its chips and find it by search', async () => {
  // a tag the blog has already, to be suggested
  const other = await register(server);
  await publish(other, { title: 'A post of someone else', markdown: 'Crabs everywhere.', tags: ['Rustacean', 'Zoology'] });

  const author = await register(server);
  const p = await page();
  await logIn(p, author.authStore.record.username);
  await p.goto('/write/new');
  await p.getByLabel('Title').fill(title);
  await p.getByLabel(/^Body/).fill(body);

  const box = p.getByRole('combobox', { name: 'Tags' });
  const suggestions = p.getByRole('listbox', { name: 'Suggested tags' });
  // the box, empty and focused, suggests the most used tags
  await box.focus();
  await suggestions.getByRole('option', { name: 'Rustacean' }).waitFor();
  // a new tag, added with Enter (which does not save the post)
  await box.fill('Quantum Gardening');
  await box.press('Enter');
  assert.match(p.url(), /\/write\/new$/);
  // one picked from what typing suggests, with the keyboard
  await box.pressSequentially('rusta');
  await suggestions.getByRole('option', { name: 'Rustacean' }).waitFor();
  await box.press('ArrowDown');
  assert.equal(await suggestions.getByRole('option', { name: 'Rustacean' }).getAttribute('aria-selected'), 'true');
  await box.press('Enter');
  // a Chinese one, ended with a comma
  await box.pressSequentially('数据库,');
  assert.deepEqual(await chosen(p), ['Quantum Gardening', 'Rustacean', '数据库']);
  assert.equal(await box.inputValue(), '');
  // the same name in other case is not added twice
  await box.fill('quantum gardening');
  await box.press('Enter');
  assert.deepEqual(await chosen(p), ['Quantum Gardening', 'Rustacean', '数据库']);
  await p.getByText('is a tag of this post already').waitFor();
  // Escape closes the suggestions
  await box.pressSequentially('zoo');
  await suggestions.getByRole('option', { name: 'Zoology' }).waitFor();
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  await settled(p);
  await p.screenshot({ path: `${SHOTS}editor-tags.png`, fullPage: true });
  await box.press('Escape');
  await suggestions.waitFor({ state: 'hidden' });
  assert.equal(await box.getAttribute('aria-expanded'), 'false');
  await box.fill('');

  await p.getByRole('button', { name: 'Publish now' }).click();
  await p.getByRole('heading', { level: 1, name: title }).waitFor();
  const slug = decodeURIComponent(new URL(p.url()).pathname.split('/').pop());
  const chips = p.locator('.post .tags').getByRole('link');
  assert.deepEqual(await chips.allTextContents(), ['Quantum Gardening', 'Rustacean', '数据库']);
  // the server has the names, the existing tag reused
  const saved = await author.send(`/api/blog/posts/${encodeURIComponent(slug)}`, {});
  assert.deepEqual(saved.expand.tags.map((t) => t.name), ['Quantum Gardening', 'Rustacean', '数据库']);
  const { items: used } = await other.send('/api/blog/tags', { query: { perPage: 50 } });
  const rustacean = used.find((t) => t.name === 'Rustacean');
  assert.equal(rustacean.postsCount, 2);
  assert.equal(saved.tags[1], rustacean.id);
  assert.deepEqual(p.errors, []);

  // a guest sees the chips on the home page's card and on the post
  const guest = await page();
  await guest.goto('/');
  const card = guest.locator('.post-summary', { has: guest.getByRole('link', { name: title }) });
  await card.waitFor();
  assert.deepEqual(await card.locator('.tags a.tag').allTextContents(), ['Quantum Gardening', 'Rustacean', '数据库']);
  assert.equal(await card.getByRole('link', { name: '数据库' }).getAttribute('href'), `/tags/${encodeURIComponent('数据库')}`);
  assert.equal(await card.getByRole('link', { name: '数据库' }).getAttribute('rel'), 'tag');
  await card.getByRole('link', { name: title }).click();
  await guest.getByRole('heading', { level: 1, name: title }).waitFor();
  const list = guest.getByRole('list', { name: 'Tags' });
  assert.deepEqual(await list.getByRole('link').allTextContents(), ['Quantum Gardening', 'Rustacean', '数据库']);

  // a chip leads to the tag's page, which lists the post
  await list.getByRole('link', { name: '数据库' }).click();
  await guest.getByRole('heading', { level: 1, name: '数据库' }).waitFor();
  assert.equal(new URL(guest.url()).pathname, `/tags/${encodeURIComponent('数据库')}`);
  await guest.getByRole('link', { name: title }).waitFor();
  assert.equal(await guest.title(), '#数据库 · blogbase');
  assert.equal(await guest.getByRole('link', { name: 'RSS feed' }).getAttribute('href'), `/tags/${encodeURIComponent('数据库')}/rss.xml`);
  assert.equal(await guest.getByRole('link', { name: 'A post of someone else' }).count(), 0);
  // the same page as the server renders it, loaded afresh
  await guest.reload();
  await guest.getByRole('heading', { level: 1, name: '数据库' }).waitFor();
  await guest.getByRole('link', { name: title }).waitFor();
  await guest.screenshot({ path: `${SHOTS}tag-page.png`, fullPage: true });
  // an unknown tag is not found
  await guest.goto('/tags/no-such-tag');
  await guest.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();

  // search from the header's box: an English phrase of the body
  await guest.goto('/');
  const search = guest.getByRole('searchbox', { name: 'Search posts' });
  await search.fill('quantum gardening');
  await search.press('Enter');
  await guest.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'quantum gardening');
  const results = guest.locator('.search-results');
  const found = results.locator('li', { has: guest.getByRole('link', { name: title }) });
  await found.waitFor();
  assert.equal(await guest.title(), 'Search: quantum gardening · blogbase');
  assert.equal(await guest.locator('#search-q').inputValue(), 'quantum gardening');
  // the title is text: its <script> shows, none is in the page
  assert.equal(await found.locator('h2').textContent(), title);
  assert.equal(await guest.locator('.search-results script').count(), 0);
  const marks = await found.locator('mark').allTextContents();
  assert.ok(marks.some((m) => /quantum/i.test(m)), `marks: ${marks}`);
  assert.ok(await found.locator('p mark').count() > 0, 'the excerpt has its matches marked');
  assert.deepEqual(await found.locator('.tags a.tag').allTextContents(), ['Quantum Gardening', 'Rustacean', '数据库']);
  await settled(guest);
  await guest.screenshot({ path: `${SHOTS}search.png`, fullPage: true });

  // a Chinese substring of two characters, from the header again
  await search.fill('讨论');
  await search.press('Enter');
  await guest.waitForURL((url) => url.searchParams.get('q') === '讨论');
  const foundZh = guest.locator('.search-results li', { has: guest.getByRole('link', { name: title }) });
  await foundZh.waitFor();
  assert.ok((await foundZh.locator('p mark').allTextContents()).some((m) => m.includes('讨论')), 'the Chinese match is marked');
  assert.equal(await guest.title(), 'Search: 讨论 · blogbase');

  // nothing found says so
  await guest.locator('#search-q').fill('xylophonist zebra');
  await guest.getByRole('button', { name: 'Search', exact: true }).click();
  await guest.getByText('No posts match “xylophonist zebra”.').waitFor();

  // a query longer than 100 characters is refused, and says why
  await guest.goto(`/search?q=${'q'.repeat(101)}`);
  await guest.getByRole('alert').filter({ hasText: '100 characters or fewer' }).waitFor();
  assert.equal(await guest.locator('#search-q').getAttribute('aria-invalid'), 'true');
  assert.equal(await guest.locator('.search-results li').count(), 0);

  // Back returns to the earlier results
  await guest.goBack();
  await guest.getByText('No posts match “xylophonist zebra”.').waitFor();

  // 375 px: the search box has its own row, nothing scrolls sideways
  await guest.setViewportSize({ width: 375, height: 740 });
  await guest.goto('/search?q=quantum');
  await guest.locator('.search-results li', { has: guest.getByRole('link', { name: title }) }).waitFor();
  assert.equal(await guest.evaluate(() => document.documentElement.scrollWidth), 375);
  await guest.screenshot({ path: `${SHOTS}search-375.png`, fullPage: true });
  assert.deepEqual(guest.errors, []);
  await guest.context().close();
  await p.context().close();
});

test('the editor keeps the tag rules: 50 characters, ten tags, and the tags saved come back to edit', async () => {
  const author = await register(server);
  const p = await page();
  await logIn(p, author.authStore.record.username);
  await p.goto('/write/new');
  await p.getByLabel('Title').fill('Ten tags at most');
  await p.getByLabel(/^Body/).fill('Counting tags.');
  const box = p.getByRole('combobox', { name: 'Tags' });

  // a name too long is refused by the box, and stays there to be fixed
  await box.fill('x'.repeat(51));
  await box.press('Enter');
  await p.locator('#post-tags-error', { hasText: 'at most 50 characters' }).waitFor();
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await chosen(p), []);
  await box.fill('');

  // names pasted with commas are added one by one; at ten the box is off
  await box.fill('one, two, three, four, five, six, seven, eight, nine,');
  assert.equal((await chosen(p)).length, 9);
  await box.fill('ten');
  await box.press('Enter');
  assert.equal((await chosen(p)).length, 10);
  assert.equal(await box.isDisabled(), true);
  await p.getByText('A post has at most 10 tags').waitFor();
  // removing one opens it again
  await p.getByRole('button', { name: 'Remove tag five' }).click();
  assert.equal(await box.isDisabled(), false);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'post-tags');
  // a name typed and not added yet goes with the post when it is saved
  await box.fill('Eleventh');
  await p.getByRole('button', { name: 'Save draft' }).click();
  await p.getByText('Draft: only you can see it.').waitFor();
  const expected = ['one', 'two', 'three', 'four', 'six', 'seven', 'eight', 'nine', 'ten', 'Eleventh'];
  assert.deepEqual(await chosen(p), expected);

  // opened again, the editor shows them; the kept copy knows of tags
  await p.reload();
  await p.getByRole('heading', { name: 'Edit “Ten tags at most”' }).waitFor();
  assert.deepEqual(await chosen(p), expected);
  await p.getByRole('button', { name: 'Remove tag Eleventh' }).click();
  await p.getByText('Unsaved changes.').waitFor();
  await p.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('blogbase:unsaved:')));
  await p.reload();
  await p.getByText(/^Restore unsaved changes from /).waitFor();
  assert.deepEqual(await chosen(p), expected);
  await p.getByRole('button', { name: 'Restore' }).click();
  assert.deepEqual(await chosen(p), expected.slice(0, -1));

  // all removed and saved: the post has none
  for (const name of expected.slice(0, -1)) await p.getByRole('button', { name: `Remove tag ${name}` }).click();
  await p.getByRole('button', { name: 'Save draft' }).click();
  await p.getByText('The draft is saved.').waitFor();
  const [post] = (await author.collection('posts').getList(1, 1, { filter: 'title = "Ten tags at most"' })).items;
  assert.deepEqual(post.tags, []);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
