// Markdown with the JS SDK: an author writes the source through the blog's
// routes and the collections API, previews it, and reads it back; every
// other reader, realtime included, gets the rendered body and never the
// source. A post is published only with a body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

const source = '# Notes\n\nSome **bold** text, a [link](https://example.com) and <img src=x onerror=alert(1)>.\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n';

test('Markdown is rendered on save and previewed exactly as saved', async () => {
  const author = await register(server);

  const preview = await author.send('/api/blog/preview', { method: 'POST', body: { markdown: source } });
  assert.match(preview.body, /<h1>Notes<\/h1>/);
  assert.match(preview.body, /<strong>bold<\/strong>/);
  assert.match(preview.body, /<td align="right">2<\/td>/);
  assert.doesNotMatch(preview.body, /onerror/);

  const post = await author.send('/api/blog/posts', {
    method: 'POST', body: { title: 'In Markdown', markdown: source, status: 'published' },
  });
  assert.equal(post.status, 'published');
  assert.equal(post.body, preview.body);
  assert.equal(post.markdown, source);

  // the collections API takes the source too, from the author
  const edited = await author.collection('postContents').update(post.content, { markdown: '*changed*' });
  assert.equal(edited.body, '<p><em>changed</em></p>\n');
  assert.equal(edited.markdown, '*changed*');

  // HTML replaces the source
  const html = await author.collection('postContents').update(post.content, { body: '<p>by hand</p>' });
  assert.equal(html.markdown, '');

  // blank bodies are refused, whichever the format
  for (const blank of [{ markdown: '   ' }, { markdown: '<p></p>' }, { body: '<br>' }, { body: '<p>&nbsp;</p>' }]) {
    await expectStatus(author.collection('postContents').update(post.content, blank), 400);
    await expectStatus(author.send(`/api/blog/posts/${post.id}`, { method: 'PATCH', body: blank }), 400);
  }
  assert.equal((await author.collection('postContents').getOne(post.content)).body, '<p>by hand</p>');
});

test('the source is its author\'s alone: not in reads, expand, filters or realtime of others', async () => {
  const author = await register(server);
  const other = await register(server);
  const guest = server.client();

  const post = await author.send('/api/blog/posts', {
    method: 'POST', body: { title: 'Public body, private source', markdown: 'visible words <!-- private note -->', status: 'published' },
  });
  for (const reader of [other, guest]) {
    const view = await reader.send(`/api/blog/posts/${post.id}`, {});
    assert.equal(view.body, '<p>visible words </p>\n');
    assert.equal(view.markdown, undefined);
    const record = await reader.collection('postContents').getOne(post.content);
    assert.equal(record.markdown, undefined);
    const expanded = await reader.collection('posts').getOne(post.id, { expand: 'content' });
    assert.equal(expanded.expand.content.markdown, undefined);
    await expectStatus(reader.collection('postContents').getList(1, 1, { filter: 'markdown ~ "private"' }), 400);
    await expectStatus(reader.collection('posts').getList(1, 1, { filter: 'content.markdown ~ "private"' }), 400);
  }
  assert.equal((await author.collection('posts').getOne(post.id, { expand: 'content' })).expand.content.markdown,
    'visible words <!-- private note -->');

  // live: the author's own subscription carries the source, another's not
  const seen = { author: [], other: [] };
  const unsubscribe = [
    await author.collection('postContents').subscribe(post.content, (e) => seen.author.push(e.record)),
    await other.collection('postContents').subscribe(post.content, (e) => seen.other.push(e.record)),
  ];
  await author.collection('postContents').update(post.content, { markdown: 'new words <!-- another note -->' });
  const deadline = Date.now() + 5000;
  while ((seen.author.length === 0 || seen.other.length === 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const stop of unsubscribe) await stop();
  assert.equal(seen.author[0]?.markdown, 'new words <!-- another note -->');
  assert.equal(seen.other[0]?.body, '<p>new words </p>\n');
  assert.equal(seen.other[0]?.markdown, undefined);
});

test('a post is published only with its body', async () => {
  const author = await register(server);
  const me = author.authStore.record.id;

  // the collections API creates a draft, writes its body, then publishes
  await expectStatus(author.collection('posts').create({ title: 'Empty', author: me, status: 'published' }), 400);
  const draft = await author.collection('posts').create({ title: 'Step by step', author: me });
  await expectStatus(author.collection('posts').update(draft.id, { status: 'published' }), 400);
  await author.collection('postContents').update(draft.content, { markdown: 'Now with words.' });
  const published = await author.collection('posts').update(draft.id, { status: 'published' });
  assert.equal(published.status, 'published');

  const guest = server.client();
  assert.equal((await guest.send(`/api/blog/posts/${published.slug}`, {})).body, '<p>Now with words.</p>\n');
});
