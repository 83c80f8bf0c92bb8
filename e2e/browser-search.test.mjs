// Tags and search in a real browser (Debian's Chromium, headless, driven
// by playwright-core) against a real server serving the committed build in
// pb_public: an author tags a post in the editor (a new tag, one picked
// from the suggestions, a Chinese one), readers see the chips, follow one
// to the tag's page, and find the post from the header's search box, in
// English and in Chinese; the ten-tag box stays put and harmless; the
// page's feed link follows the page; a search starts from what the server
// rendered, marks the tags a post was found by, and says when it reached
// the most results it ranks. Screenshots go to e2e/screenshots/
// (search.png, search-375.png, tag-page.png, editor-tags.png).
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
// client pb (several at once, none cancelling another).
function publish(pb, body) {
  return pb.send('/api/blog/posts', { method: 'POST', body: { status: 'published', ...body }, requestKey: null });
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
  // nor in full-width letters (the server folds width as well as case)
  await box.fill('ＱＵＡＮＴＵＭ　ＧＡＲＤＥＮＩＮＧ');
  await box.press('Enter');
  await box.fill('ｒｕｓｔａｃｅａｎ,');
  assert.deepEqual(await chosen(p), ['Quantum Gardening', 'Rustacean', '数据库']);
  assert.equal(await box.inputValue(), '');
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

  // a chip leads to the tag's page, which lists the post; the page's
  // feed link is the tag's
  await feedIs(guest, '/rss.xml');
  await list.getByRole('link', { name: '数据库' }).click();
  await guest.getByRole('heading', { level: 1, name: '数据库' }).waitFor();
  await feedIs(guest, `/tags/${encodeURIComponent('数据库')}/rss.xml`);
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
  // the author's page, reached in the app, has the author's feed; the
  // home page the site's
  await guest.locator('.post-summary', { has: guest.getByRole('link', { name: title }) })
    .getByRole('link', { name: author.authStore.record.name, exact: true }).click();
  await guest.getByRole('heading', { level: 1, name: author.authStore.record.name, exact: true }).waitFor();
  await feedIs(guest, `/authors/${author.authStore.record.username}/rss.xml`);
  await guest.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Posts', exact: true }).click();
  await guest.getByRole('heading', { level: 1, name: 'Latest posts' }).waitFor();
  await feedIs(guest, `/rss.xml`);
  const search = guest.getByRole('searchbox', { name: 'Search posts' });
  await search.fill('quantum gardening');
  await search.press('Enter');
  await guest.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'quantum gardening');
  const results = guest.locator('.search-results');
  const found = results.locator('li', { has: guest.getByRole('link', { name: title }) });
  await found.waitFor();
  assert.equal(await guest.title(), 'Search: quantum gardening · blogbase');
  assert.equal(await guest.locator('#search-q').inputValue(), 'quantum gardening');
  // one search box on the search page, its own; the feed is the site's
  assert.equal(await guest.getByRole('searchbox').count(), 1);
  assert.equal(await guest.getByRole('searchbox', { name: 'Search posts' }).getAttribute('id'), 'search-q');
  await feedIs(guest, '/rss.xml');
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

  // names pasted with commas are added one by one; at ten the box is
  // read-only and keeps the focus, so typing on and pressing Enter
  // removes nothing
  await box.fill('one, two, three, four, five, six, seven, eight, nine,');
  assert.equal((await chosen(p)).length, 9);
  await box.fill('ten');
  await box.press('Enter');
  assert.equal((await chosen(p)).length, 10);
  assert.equal(await box.isEditable(), false);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'post-tags');
  await p.getByText('A post has at most 10 tags').waitFor();
  assert.equal(await p.locator('#post-tags-note').getAttribute('aria-live'), 'polite');
  await p.keyboard.type('eleven');
  await p.keyboard.press('Enter');
  await p.keyboard.press('Enter');
  assert.equal((await chosen(p)).length, 10);
  assert.equal(await p.evaluate(() => document.activeElement.id), 'post-tags');
  assert.equal(await box.inputValue(), '');
  await p.getByText('A post has at most 10 tags').waitFor();
  // removing one opens it again
  await p.getByRole('button', { name: 'Remove tag five' }).click();
  assert.equal(await box.isEditable(), true);
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

// feedIs waits until the page's RSS <link rel="alternate"> is to path.
function feedIs(p, path) {
  return p.waitForFunction((want) => {
    const link = document.querySelector('link[rel="alternate"][type="application/rss+xml"]');
    return link !== null && new URL(link.href).pathname === want;
  }, path, { timeout: 5000 });
}

// serving answers the page at path with the server's page, its app data
// replaced by data (the search page as the server renders it).
async function serving(p, path, data) {
  await p.route((url) => url.pathname + url.search === path, async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace(
      /(<script type="application\/json" id="blog-data">)([^<]*)(<\/script>)/,
      (_, open, json, close) => open + JSON.stringify({ ...JSON.parse(json), page: data }).replace(/</g, '\\u003c') + close);
    await route.fulfill({ status: response.status(), contentType: 'text/html; charset=utf-8', body: html });
  });
}

test('a search starts from the page the server rendered, and marks the tags a post was found by', async () => {
  const author = await register(server);
  await publish(author, { title: 'Pond notes', markdown: 'Nothing of the word here.', tags: ['Zebrafish care', 'Ponds'] });
  const p = await page();
  const asked = [];
  p.on('request', (r) => { if (new URL(r.url()).pathname === '/api/blog/search') asked.push(r.url()); });

  // found by its tag alone: nothing to mark in the title or excerpt, the
  // tag chip holding the word is marked instead
  await p.goto('/search?q=zebrafish');
  const found = p.locator('.search-results li', { has: p.getByRole('link', { name: 'Pond notes' }) });
  await found.waitFor();
  assert.equal(await found.locator('mark').count(), 0);
  assert.deepEqual(await found.locator('.tag.matched').allTextContents(), ['Zebrafish care']);
  assert.deepEqual(await found.locator('.tag:not(.matched)').allTextContents(), ['Ponds']);
  // the server rendered these results: the app did not ask for them again
  assert.deepEqual(asked, []);

  // the server's first page of results is shown as it is, not asked again
  const answer = await author.send('/api/blog/search', { query: { q: 'zebrafish', perPage: 10 } });
  answer.items[0].title = 'As the server rendered it';
  answer.items[0].highlight = { title: 'As the server rendered it', text: '' };
  await serving(p, '/search?q=ZEBRAFISH', { kind: 'search', q: 'ZEBRAFISH', page: answer });
  asked.length = 0;
  await p.goto('/search?q=ZEBRAFISH');
  await p.getByRole('link', { name: 'As the server rendered it' }).waitFor();
  await p.getByText('Posts matching “ZEBRAFISH”').waitFor();
  assert.deepEqual(await p.locator('.search-results .tag.matched').allTextContents(), ['Zebrafish care']);
  assert.deepEqual(asked, []);
  // a search the server refused says why, without asking again
  await serving(p, '/search?q=refused', { kind: 'search', q: 'refused', error: 'Must be at most 100 characters.' });
  await p.goto('/search?q=refused');
  await p.getByRole('alert').filter({ hasText: 'Must be at most 100 characters.' }).waitFor();
  assert.equal(await p.locator('#search-q').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(asked, []);
  // a search reached in the app asks the API
  await p.locator('#search-q').fill('pond');
  await p.locator('#search-q').press('Enter');
  await p.locator('.search-results li', { has: p.getByRole('link', { name: 'Pond notes' }) }).waitFor();
  assert.equal(asked.length, 1);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('a search that reaches the 200 matches the server ranks says to narrow it', { timeout: 240_000 }, async () => {
  // a hundredfold the posting limit, for the seeding
  await relaxRateLimits(server, ['POST /api/blog/posts/']);
  const authors = await Promise.all([1, 2, 3, 4].map(() => register(server)));
  const total = 205;
  for (let i = 0; i < total; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, total - i) }, (_, j) =>
      publish(authors[(i + j) % authors.length], { title: `Marmalade ${i + j + 1}`, markdown: 'A jar of marmalade.' })));
  }
  await publish(authors[0], { title: 'Quince jelly', markdown: 'Not the other jam.' });
  const p = await page();
  await p.goto('/search?q=marmalade');
  const items = p.locator('.search-results > li');
  const more = p.getByRole('button', { name: 'More results' });
  const end = p.locator('.search-end');
  await items.nth(9).waitFor();
  assert.equal(await end.isVisible(), false);
  for (let shown = 10; shown < 200; shown += 10) {
    await more.click();
    await items.nth(shown + 9).waitFor();
  }
  await end.waitFor();
  assert.equal(await end.textContent(), 'Showing the best 200 matches: add a word to narrow the search.');
  assert.equal(await items.count(), 200);
  // and the announcement of the last results says it too
  await p.locator('#status', { hasText: 'add a word to narrow the search' }).waitFor();
  assert.equal(await more.isVisible(), false);
  // the server's link to more results (for readers without JavaScript)
  // opens at those results in the app too
  const first = await authors[0].send('/api/blog/search', { query: { q: 'marmalade', perPage: 10 } });
  await p.goto(`/search?${new URLSearchParams({ q: 'marmalade', cursor: first.nextCursor })}`);
  await p.getByText('More posts matching “marmalade”.').waitFor();
  assert.equal(await items.count(), 10);
  assert.deepEqual(await items.locator('h2').allTextContents(), (await authors[0].send('/api/blog/search', {
    query: { q: 'marmalade', perPage: 10, cursor: first.nextCursor } })).items.map((post) => post.title));
  await more.click();
  await items.nth(19).waitFor();
  // fewer matches than that end without it
  await p.locator('#search-q').fill('quince');
  await p.locator('#search-q').press('Enter');
  await p.getByText('Posts matching “quince”').waitFor();
  assert.equal(await more.isVisible(), false);
  assert.equal(await end.count(), 1);
  assert.equal(await end.isVisible(), false);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
