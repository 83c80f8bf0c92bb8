// Finding (SPEC §8) against a real server with the official JS SDK: tags
// given by name through the blog's routes (one tag whatever the case and
// spaces, Chinese slugs, the limits), a tag's listing with its totals and
// cursor, GET /api/blog/tags following publish, unpublish and delete, who
// may do what with the tags collection, and GET /api/blog/search: words,
// prefixes and Chinese substrings, escaped and marked excerpts, what is
// never found (paid bodies, drafts, scheduled, unpublished and deleted
// posts, old titles), batch requests (a refused one changes nothing), the
// ranking and `blogbase search reindex`, hostile queries and paging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, register, expectStatus } from './server.mjs';

let server;
let su; // the superuser's client
let guest; // nobody signed in
let alice;
let bob;

const quiet = (pb) => { pb.autoCancellation(false); return pb; };

before(async () => {
  server = await startServer();
  su = quiet(await server.superuser());
  // the rate limits have their own tests; this suite writes more a minute
  // than a person does
  await su.send('/api/settings', { method: 'PATCH', body: { rateLimits: { enabled: false } } });
  guest = quiet(server.client());
  alice = quiet(await register(server));
  bob = quiet(await register(server));
});

after(async () => {
  await server?.stop();
});

// word makes a word no other post holds: lowercase letters only, all of
// the same length, so that none is the start of another
let words = 0;
function word() {
  words += 1;
  let n = words;
  let s = '';
  for (let i = 0; i < 8; i += 1) { s += 'bcdfghjklmnpqrstvwz'[n % 19]; n = Math.floor(n / 19); }
  return `zq${s}`;
}

const create = (pb, body) => pb.send('/api/blog/posts', { method: 'POST', body: { status: 'published', ...body } });
const patch = (pb, id, body) => pb.send(`/api/blog/posts/${id}`, { method: 'PATCH', body });
const remove = (pb, id) => pb.send(`/api/blog/posts/${id}`, { method: 'DELETE' });
const listing = (query) => guest.send('/api/blog/posts', { query });
const usedTags = (query = { perPage: 100 }) => guest.send('/api/blog/tags', { query });
const search = (q, query = {}) => guest.send('/api/blog/search', { query: { q, ...query } });
const ids = (page) => page.items.map((it) => it.id);
const found = async (q) => ids(await search(q));

// marked is what the <mark> elements of an excerpt hold
const marked = (html) => [...html.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => m[1]);
// plain is an excerpt as a reader reads it: marks gone, entities decoded
const plain = (html) => html.replace(/<\/?mark>/g, '')
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"').replace(/&quot;/g, '"')
  .replace(/&#39;/g, "'").replace(/&amp;/g, '&');

// searchAll follows nextCursor from the first page to the last
async function searchAll(q, perPage) {
  const pages = [];
  let page = await search(q, { perPage });
  pages.push(page);
  while (page.nextCursor) {
    page = await search(q, { perPage, cursor: page.nextCursor });
    pages.push(page);
    assert.ok(pages.length < 50, 'the cursor goes on for ever');
  }
  return pages;
}

async function tagCount(slug) {
  const page = await usedTags();
  return page.items.find((t) => t.slug === slug)?.postsCount ?? 0;
}

// ---------------------------------------------------------------- tags

test('tag names: case and spaces name one tag, Chinese names get Chinese slugs', async () => {
  const first = await create(alice, { title: `Tagged ${word()}`, body: '<p>First.</p>', tags: ['Go', '数据库'] });
  assert.equal(first.tags.length, 2);
  const [go, db] = first.expand.tags;
  assert.deepEqual(first.expand.tags.map((t) => t.name), ['Go', '数据库']);
  assert.equal(go.slug, 'go');
  assert.equal(db.slug, '数据库');
  assert.deepEqual(first.tags, [go.id, db.id]);
  for (const t of first.expand.tags) assert.deepEqual(Object.keys(t).sort(), ['id', 'name', 'slug']);

  // another author's names, spelled otherwise, name the same tags, once
  const second = await create(bob, { title: `Tagged ${word()}`, body: '<p>Second.</p>', tags: [' go ', 'GO', '  数据库 '] });
  assert.deepEqual(second.tags, [go.id, db.id]);
  assert.deepEqual(second.expand.tags.map((t) => t.name), ['Go', '数据库'], 'a tag keeps the name first given');

  const goTags = await guest.collection('tags').getFullList({ filter: 'slug = "go"' });
  assert.equal(goTags.length, 1);
  assert.equal(goTags[0].name, 'Go');

  // found by its tags' names, any part of a Chinese one
  for (const q of ['数据库', '数据', '据库']) assert.deepEqual(new Set(await found(q)), new Set([first.id, second.id]), q);
  const result = (await search('数据')).items[0];
  assert.deepEqual(result.expand.tags.map((t) => t.name), ['Go', '数据库'], 'results carry their tags');

  // the tag's listing by its Chinese slug
  const byChinese = await listing({ tag: '数据库' });
  assert.equal(byChinese.totalItems, 2);
  assert.deepEqual(new Set(ids(byChinese)), new Set([first.id, second.id]));

  // PATCH replaces the tags; an empty list takes them all off
  const patched = await patch(alice, first.id, { tags: ['gO', 'Rust '] });
  assert.equal(patched.tags[0], go.id);
  assert.deepEqual(patched.expand.tags.map((t) => t.name), ['Go', 'Rust']);
  assert.equal((await listing({ tag: '数据库' })).totalItems, 1);
  const cleared = await patch(alice, first.id, { tags: [] });
  assert.deepEqual(cleared.tags, []);
  assert.equal((await listing({ tag: 'rust' })).totalItems, 0);

  // the post as GET shows it
  const viewed = await guest.send(`/api/blog/posts/${second.id}`, {});
  assert.deepEqual(viewed.expand.tags.map((t) => t.slug), ['go', '数据库']);
});

test('tag names: at most 10 per post, 1 to 50 characters, else 400 on tags', async () => {
  const ten = Array.from({ length: 10 }, (_, i) => `Limit ${word()} ${i}`);
  const post = await create(alice, { title: `Ten tags ${word()}`, body: '<p>x</p>', tags: ten });
  assert.equal(post.tags.length, 10);
  // the same tag twice counts once
  const twice = await create(alice, { title: `Twice ${word()}`, body: '<p>x</p>', tags: [...ten, ten[0].toUpperCase()] });
  assert.equal(twice.tags.length, 10);

  const longest = 'L'.repeat(50);
  const fifty = await create(alice, { title: `Fifty ${word()}`, body: '<p>x</p>', tags: [longest] });
  assert.equal(fifty.expand.tags[0].name, longest);

  // characters, not bytes, are counted
  const chinese = await create(alice, { title: `Fifty Chinese ${word()}`, body: '<p>x</p>', tags: ['标'.repeat(50), '🦀 Rust'] });
  assert.deepEqual(chinese.expand.tags.map((t) => t.name), ['标'.repeat(50), '🦀 Rust']);

  const tooMany = [...ten, `Eleventh ${word()}`];
  for (const [label, tags] of [
    ['eleven tags', tooMany],
    ['51 characters', ['x'.repeat(51)]],
    ['51 Chinese characters', ['标'.repeat(51)]],
    ['a control character', ['a\u0000b']],
    ['an empty name', ['']],
    ['only spaces', ['   ']],
  ]) {
    const err = await expectStatus(create(alice, { title: `Bad ${word()}`, body: '<p>x</p>', tags }), 400);
    assert.ok(err.response.data?.tags, `${label}: ${JSON.stringify(err.response)}`);
    const onPatch = await expectStatus(patch(alice, post.id, { tags }), 400);
    assert.ok(onPatch.response.data?.tags, `${label} (PATCH): ${JSON.stringify(onPatch.response)}`);
  }
  // a refused write creates no tag and changes nothing
  const eleventh = await guest.collection('tags').getList(1, 1, { filter: `name = "${tooMany[10]}"` });
  assert.equal(eleventh.totalItems, 0);
  assert.equal((await guest.send(`/api/blog/posts/${post.id}`, {})).tags.length, 10);

  // tags that are not a list of names are a 400, never a 500
  for (const tags of [42, [42], [{ name: 'x' }], 'x'.repeat(60)]) {
    await expectStatus(create(alice, { title: `Odd ${word()}`, body: '<p>x</p>', tags }), 400);
  }
});

test("a tag's listing: published posts only, totals, pages and a cursor visiting each once", async () => {
  const name = `Paging ${word()}`;
  const made = [];
  for (let i = 0; i < 5; i += 1) {
    // dated a day apart, so that the order is the dates'
    const published = `2024-03-0${i + 1} 12:00:00.000Z`;
    made.push(await create(i % 2 ? bob : alice, { title: `In tag ${i} ${word()}`, body: '<p>x</p>', tags: [name], published }));
  }
  const slug = made[0].expand.tags[0].slug;
  assert.equal(slug, name.toLowerCase().replace(' ', '-'));
  await create(alice, { title: `Draft in tag ${word()}`, body: '<p>x</p>', status: 'draft', tags: [name] });
  await create(alice, { title: `Untagged ${word()}`, body: '<p>x</p>' });

  const first = await listing({ tag: slug, perPage: 2 });
  assert.equal(first.totalItems, 5);
  assert.equal(first.totalPages, 3);
  assert.equal(first.page, 1);
  assert.equal(first.perPage, 2);
  assert.ok(first.nextCursor);
  for (const it of first.items) assert.deepEqual(it.expand.tags.map((t) => t.slug), [slug]);

  const visited = [...ids(first)];
  let page = first;
  while (page.nextCursor) {
    page = await listing({ tag: slug, perPage: 2, cursor: page.nextCursor });
    assert.equal(page.totalItems, 5);
    visited.push(...ids(page));
  }
  assert.deepEqual(visited, made.map((p) => p.id).reverse(), 'newest first, each once');

  const second = await listing({ tag: slug, perPage: 2, page: 2 });
  assert.deepEqual(ids(second), visited.slice(2, 4));
  const oldest = await listing({ tag: slug, sort: 'published', perPage: 10 });
  assert.deepEqual(ids(oldest), made.map((p) => p.id));

  // an unknown tag lists nothing
  const none = await listing({ tag: `no-such-${word()}` });
  assert.equal(none.totalItems, 0);
  assert.deepEqual(none.items, []);

  // by tag or by author, not both; a cursor of another tag is refused
  const both = await expectStatus(listing({ tag: slug, author: alice.authStore.record.id }), 400);
  assert.ok(both.response.data?.tag, JSON.stringify(both.response));
  await expectStatus(listing({ tag: 'go', perPage: 2, cursor: first.nextCursor }), 400);
});

test('GET /api/blog/tags counts published posts, follows publish, unpublish and delete', async () => {
  const busy = `Busy ${word()}`;
  const quietName = `Quiet ${word()}`;
  const draft = await create(alice, { title: `Counted ${word()}`, body: '<p>x</p>', status: 'draft', tags: [busy, quietName] });
  const busySlug = draft.expand.tags[0].slug;
  const quietSlug = draft.expand.tags[1].slug;
  assert.equal(await tagCount(busySlug), 0, 'a draft is not counted');

  const shape = await usedTags({});
  assert.deepEqual(Object.keys(shape).sort(), ['items', 'page', 'perPage', 'totalItems', 'totalPages']);
  assert.equal(shape.page, 1);
  assert.equal(shape.perPage, 20);

  await patch(alice, draft.id, { status: 'published' });
  assert.equal(await tagCount(busySlug), 1);
  assert.equal(await tagCount(quietSlug), 1);
  const more = [];
  for (let i = 0; i < 3; i += 1) more.push(await create(bob, { title: `Counted ${word()}`, body: '<p>x</p>', tags: [busy.toUpperCase()] }));
  assert.equal(await tagCount(busySlug), 4);

  const all = await usedTags();
  for (let i = 1; i < all.items.length; i += 1) {
    assert.ok(all.items[i - 1].postsCount >= all.items[i].postsCount, 'most used first');
  }
  for (const it of all.items) {
    assert.deepEqual(Object.keys(it).sort(), ['id', 'name', 'postsCount', 'slug']);
    assert.ok(it.postsCount > 0);
  }
  assert.equal(all.totalItems, all.items.length);
  const busyAt = all.items.findIndex((t) => t.slug === busySlug);
  const quietAt = all.items.findIndex((t) => t.slug === quietSlug);
  assert.ok(busyAt >= 0 && busyAt < quietAt, 'the tag with more posts comes first');
  assert.equal(all.items[busyAt].name, busy);

  // paging: each used tag once over the pages
  const perPage = 2;
  const seen = [];
  for (let n = 1; n <= Math.ceil(all.totalItems / perPage); n += 1) {
    const page = await usedTags({ perPage, page: n });
    assert.equal(page.totalPages, Math.ceil(all.totalItems / perPage));
    seen.push(...page.items.map((t) => t.id));
  }
  assert.deepEqual(seen, all.items.map((t) => t.id));

  // unpublishing, deleting and untagging take posts off the counts
  await patch(bob, more[0].id, { status: 'draft' });
  assert.equal(await tagCount(busySlug), 3);
  await remove(bob, more[1].id);
  assert.equal(await tagCount(busySlug), 2);
  await patch(bob, more[2].id, { tags: [] });
  assert.equal(await tagCount(busySlug), 1);
  await patch(alice, draft.id, { status: 'draft' });
  assert.equal(await tagCount(busySlug), 0);
  assert.ok(!(await usedTags()).items.some((t) => t.slug === busySlug || t.slug === quietSlug), 'a tag without published posts is not listed');
  // publishing again counts again
  await patch(bob, more[0].id, { status: 'published' });
  assert.equal(await tagCount(busySlug), 1);

  await expectStatus(usedTags({ page: 'x' }), 400);
  await expectStatus(usedTags({ perPage: '-1' }), 400);
});

test('the tags collection: everyone reads the tags of published posts, users create, only superusers change or delete; key is hidden', async () => {
  const carol = quiet(await register(server));
  const name = `Perm ${word()}`;
  const hasKey = (r) => Object.prototype.hasOwnProperty.call(r, 'key');

  // a guest creates nothing
  await assert.rejects(guest.collection('tags').create({ name }), (err) => [400, 401, 403].includes(err.status));
  assert.equal((await guest.collection('tags').getList(1, 1, { filter: `name = "${name}"` })).totalItems, 0);

  // a signed-in user creates one, normalized, its key not shown
  const tag = await alice.collection('tags').create({ name: `  ${name}  `, slug: 'chosen-by-me', key: 'chosen' });
  assert.equal(tag.name, name);
  assert.equal(tag.slug, name.toLowerCase().replace(' ', '-'));
  assert.ok(!hasKey(tag), JSON.stringify(tag));
  // the same name otherwise spelled is taken
  const dup = await expectStatus(carol.collection('tags').create({ name: name.toUpperCase() }), 400);
  assert.ok(dup.response.data?.name, JSON.stringify(dup.response));

  // no published post carries it yet: only superusers see it (its name
  // would tell what an unpublished post is about)
  for (const [who, pb] of [['guest', guest], ['creator', alice], ['other', carol]]) {
    await expectStatus(pb.collection('tags').getOne(tag.id), 404);
    assert.equal((await pb.collection('tags').getList(1, 50, { filter: `id = "${tag.id}"` })).totalItems, 0, who);
  }
  const carrier = await create(alice, { title: `Carrier ${word()}`, body: '<p>x</p>', tags: [name] });

  // once one does, everyone reads it, nobody but the superuser sees its key
  for (const [who, pb] of [['guest', guest], ['creator', alice], ['other', carol]]) {
    const viewed = await pb.collection('tags').getOne(tag.id);
    assert.equal(viewed.name, name, who);
    assert.ok(!hasKey(viewed), `${who}: ${JSON.stringify(viewed)}`);
    const listed = await pb.collection('tags').getList(1, 50, { filter: `id = "${tag.id}"` });
    assert.equal(listed.items.length, 1, who);
    assert.ok(!hasKey(listed.items[0]), `${who}: ${JSON.stringify(listed.items[0])}`);
    const asked = await pb.collection('tags').getOne(tag.id, { fields: 'id,key' });
    assert.ok(!asked.key, `${who} asked for the key: ${JSON.stringify(asked)}`);
    // nor can the key be probed with a filter
    try {
      const probed = await pb.collection('tags').getList(1, 1, { filter: `key = "${name.toLowerCase()}"` });
      assert.equal(probed.totalItems, 0, `${who} filtered by key`);
    } catch (err) {
      assert.equal(err.status, 400, `${who} filtered by key: ${err.status}`);
    }
  }
  // nor through a post's expand or filter
  for (const [who, pb] of [['guest', guest], ['other', carol]]) {
    const viewed = await pb.collection('posts').getOne(carrier.id, { expand: 'tags' });
    assert.equal(viewed.expand.tags[0].id, tag.id, who);
    assert.ok(!hasKey(viewed.expand.tags[0]), `${who}: ${JSON.stringify(viewed.expand.tags[0])}`);
    try {
      const probed = await pb.collection('posts').getList(1, 1, { filter: `tags.key ?= "${name.toLowerCase()}"` });
      assert.equal(probed.totalItems, 0, `${who} filtered posts by tags.key`);
    } catch (err) {
      assert.equal(err.status, 400, `${who} filtered posts by tags.key: ${err.status}`);
    }
  }
  await remove(alice, carrier.id);

  const bySu = await su.collection('tags').getOne(tag.id);
  assert.equal(bySu.key, name.toLowerCase());

  // no user changes or deletes a tag, the one who made it included
  for (const [who, pb] of [['guest', guest], ['creator', alice], ['other', carol]]) {
    await assert.rejects(pb.collection('tags').update(tag.id, { name: `Stolen ${word()}` }),
      (err) => [401, 403, 404].includes(err.status), who);
    await assert.rejects(pb.collection('tags').delete(tag.id), (err) => [401, 403, 404].includes(err.status), who);
  }
  // its post gone, the tag shows to superusers alone again, unchanged
  await expectStatus(guest.collection('tags').getOne(tag.id), 404);
  assert.equal((await su.collection('tags').getOne(tag.id)).name, name);

  // the superuser renames it (the slug stays) and deletes it
  const renamed = await su.collection('tags').update(tag.id, { name: `${name} Renamed` });
  assert.equal(renamed.name, `${name} Renamed`);
  assert.equal(renamed.slug, tag.slug);
  assert.equal(renamed.key, `${name} renamed`.toLowerCase());
  await su.collection('tags').delete(tag.id);
  await expectStatus(su.collection('tags').getOne(tag.id), 404);

  // through the collections API too, 51 characters or none are refused
  for (const bad of ['x'.repeat(51), '   ']) {
    const err = await expectStatus(alice.collection('tags').create({ name: bad }), 400);
    assert.ok(err.response.data?.name, JSON.stringify(err.response));
  }
});

test("a tag renamed or deleted by the superuser: its posts' listings, counts and search follow", async () => {
  const name = `Renamed ${word()}`;
  const post = await create(alice, { title: `Carries a tag ${word()}`, body: '<p>x</p>', tags: [name] });
  const tagId = post.tags[0];
  const slug = post.expand.tags[0].slug;
  const oldWord = name.split(' ')[1];
  assert.deepEqual(await found(oldWord), [post.id], 'found by its tag name');

  const newWord = word();
  await su.collection('tags').update(tagId, { name: `Tag ${newWord}` });
  assert.deepEqual((await guest.send(`/api/blog/posts/${post.id}`, {})).expand.tags.map((t) => t.name), [`Tag ${newWord}`]);
  assert.equal((await listing({ tag: slug })).items[0].expand.tags[0].name, `Tag ${newWord}`);
  assert.deepEqual(await found(newWord), [post.id], 'found by the new name of its tag');
  assert.deepEqual(await found(oldWord), [], 'not found by the old name of its tag');

  await su.collection('tags').delete(tagId);
  const after = await guest.send(`/api/blog/posts/${post.id}`, {});
  assert.deepEqual(after.tags, []);
  assert.equal((await listing({ tag: slug })).totalItems, 0);
  assert.equal(await tagCount(slug), 0);
  assert.deepEqual(await found(newWord), [], 'not found by a deleted tag');
});

// -------------------------------------------------------------- search

test('search: words of a body, the last word as a prefix, highlighted excerpts', async () => {
  const body = '<p>Before dawn the quantum gardener waters silent orchids, then writes about it.</p>';
  const post = await create(alice, { title: 'Notes from the greenhouse', body });

  const page = await search('silent orchids');
  assert.deepEqual(Object.keys(page).sort(), ['items', 'nextCursor', 'perPage']);
  assert.equal(page.perPage, 20);
  assert.equal(page.nextCursor, null);
  assert.deepEqual(ids(page), [post.id]);
  const [item] = page.items;
  assert.equal(item.title, 'Notes from the greenhouse');
  assert.equal(item.status, 'published');
  assert.ok(item.expand?.author?.username, 'a listing item, with its author');
  assert.equal(item.body, undefined, 'no body in a result');
  assert.deepEqual(marked(item.highlight.text), ['silent', 'orchids']);
  assert.ok(plain(item.highlight.text).includes('waters silent orchids'), item.highlight.text);
  assert.equal(item.highlight.title, 'Notes from the greenhouse', 'a title without matches, unmarked');

  // case does not matter; words in any order, each required
  assert.deepEqual(await found('ORCHIDS Silent'), [post.id]);
  assert.deepEqual(await found('quantum gardener'), [post.id]);
  assert.deepEqual(await found(`silent ${word()}`), []);

  // the last word is also a prefix, from 3 characters
  assert.deepEqual(await found('orchi'), [post.id]);
  assert.deepEqual(await found('silent orc'), [post.id]);
  const prefixed = (await search('gardene')).items[0];
  assert.deepEqual(marked(prefixed.highlight.text), ['gardener']);
  // a word before the last is searched whole; no word is searched inside
  assert.deepEqual(await found('orchi silent'), []);
  assert.deepEqual(await found('rchids'), []);

  // the title and summary are searched too, and marked in the title
  const byTitle = (await search('greenhouse')).items.find((it) => it.id === post.id);
  assert.equal(byTitle.highlight.title, 'Notes from the <mark>greenhouse</mark>');
  const summed = await create(alice, { title: 'Plain', body: '<p>Nothing here.</p>', summary: 'A summary about marmalade' });
  assert.deepEqual(await found('marmalade'), [summed.id]);
});

test('search: Chinese by any substring of 2 or more characters', async () => {
  const post = await create(alice, {
    title: '读诗笔记',
    body: '<p>锦瑟无端五十弦，一弦一柱思华年。庄生晓梦迷蝴蝶，望帝春心托杜鹃。</p>',
  });
  for (const q of ['锦瑟', '无端五', '端五十弦', '蝴蝶', '迷蝴蝶', '春心托杜鹃', '庄生 杜鹃']) {
    const page = await search(q);
    assert.deepEqual(ids(page), [post.id], q);
    const marks = marked(page.items[0].highlight.text).join('');
    for (const part of q.split(' ')) assert.ok(marks.includes(part), `${q}: ${page.items[0].highlight.text}`);
  }
  // in the title, marked there
  const byTitle = await search('诗笔');
  assert.deepEqual(ids(byTitle), [post.id]);
  assert.equal(byTitle.items[0].highlight.title, '读<mark>诗笔</mark>记');
  // characters that are not next to each other are not a substring
  assert.deepEqual(await found('锦弦'), []);
  assert.deepEqual(await found('杜鹃锦'), []);
  // Japanese and Korean alike
  const jk = await create(alice, { title: `Travel ${word()}`, body: '<p>東京でラーメンを食べました。서울에서 비빔밥을 먹었다.</p>' });
  for (const q of ['ラーメン', 'メンを食', '東京', '비빔밥', '빔밥', '서울에서']) assert.deepEqual(await found(q), [jk.id], q);
  // mixed with Latin
  const mixed = await create(alice, { title: `PostgreSQL 调优 ${word()}`, body: '<p>用 PostgreSQL 做全文检索很方便。</p>' });
  assert.deepEqual(await found('全文检索 postgresql'), [mixed.id]);
  assert.deepEqual(await found('文检'), [mixed.id]);
});

test('search: a title with markup is escaped in the highlight, matches marked', async () => {
  const key = word();
  const title = `<script>alert(1)</script> ${key} & "quotes"`;
  const post = await create(alice, { title, body: `<p>About ${key} &amp; more.</p>` });
  for (const q of [key, 'alert', 'script', `"${key}"`]) {
    const page = await search(q);
    assert.ok(ids(page).includes(post.id), q);
    const { highlight } = page.items.find((it) => it.id === post.id);
    for (const html of [highlight.title, highlight.text]) {
      assert.ok(!/<(?!\/?mark>)/.test(html), `${q}: unescaped markup in ${html}`);
      assert.ok(!/&(?!(lt|gt|amp|quot|#34|#39);)/.test(html), `${q}: a bare & in ${html}`);
    }
    assert.equal(plain(highlight.title), title, q);
    assert.ok(marked(highlight.title).length > 0, `${q}: ${highlight.title}`);
  }
  const { highlight } = (await search(key)).items[0];
  assert.equal(highlight.title, `&lt;script&gt;alert(1)&lt;/script&gt; <mark>${key}</mark> &amp; &#34;quotes&#34;`);
});

test('search: a paid body is never found, its title is; drafts and scheduled posts are never found', async () => {
  const titleWord = word();
  const secret = word();
  const filler = '<p>Some words before the good part. </p>'.repeat(30);
  const paid = await create(alice, { title: `Premium ${titleWord}`, body: `<p>${secret} opens it.</p>${filler}<p>${secret} again</p>`, price: 9.9 });
  assert.deepEqual(await found(secret), [], 'a paid body is not searched');
  const page = await search(titleWord);
  assert.deepEqual(ids(page), [paid.id]);
  assert.ok(!page.items[0].highlight.text.includes(secret), page.items[0].highlight.text);
  assert.ok(!JSON.stringify(page).includes(secret), 'nothing of the paid body in the answer');

  // made free, its body is found; paid again, it is not
  await patch(alice, paid.id, { price: 0 });
  assert.deepEqual(await found(secret), [paid.id]);
  await patch(alice, paid.id, { price: 5 });
  assert.deepEqual(await found(secret), []);
  // a free post made paid in one write
  const freeWord = word();
  const free = await create(alice, { title: `Was free ${word()}`, body: `<p>${freeWord}</p>` });
  assert.deepEqual(await found(freeWord), [free.id]);
  await patch(alice, free.id, { price: 1, summary: 'Now paid.' });
  assert.deepEqual(await found(freeWord), []);

  const draftWord = word();
  const draft = await create(alice, { title: `Draft ${draftWord}`, body: `<p>${draftWord}</p>`, status: 'draft', tags: [`T ${draftWord}`] });
  assert.deepEqual(await found(draftWord), []);
  const later = new Date(Date.now() + 86400000).toISOString().replace('T', ' ');
  const scheduledWord = word();
  await create(alice, { title: `Later ${scheduledWord}`, body: `<p>${scheduledWord}</p>`, status: 'scheduled', published: later });
  assert.deepEqual(await found(scheduledWord), []);
  // the draft, once published, is found by its title, body and tag
  await patch(alice, draft.id, { status: 'published' });
  const byAll = await search(draftWord);
  assert.deepEqual(ids(byAll), [draft.id]);
});

test('search follows edits: a new title is found, the old one not; unpublished and deleted posts are not', async () => {
  const oldWord = word();
  const newWord = word();
  const bodyWord = word();
  const post = await create(alice, { title: `Before ${oldWord}`, body: `<p>Body ${bodyWord}</p>` });
  assert.deepEqual(await found(oldWord), [post.id]);

  await patch(alice, post.id, { title: `After ${newWord}` });
  assert.deepEqual(await found(newWord), [post.id]);
  assert.deepEqual(await found(oldWord), [], 'not found by its old title');
  const page = await search(newWord);
  assert.equal(page.items[0].title, `After ${newWord}`);
  assert.equal(page.items[0].highlight.title, `After <mark>${newWord}</mark>`);

  // a new body replaces the old one
  const newBodyWord = word();
  await patch(alice, post.id, { body: `<p>Rewritten ${newBodyWord}</p>` });
  assert.deepEqual(await found(newBodyWord), [post.id]);
  assert.deepEqual(await found(bodyWord), []);

  await patch(alice, post.id, { status: 'draft' });
  for (const w of [newWord, newBodyWord]) assert.deepEqual(await found(w), [], `unpublished: ${w}`);
  await patch(alice, post.id, { status: 'published' });
  assert.deepEqual(await found(newWord), [post.id]);

  // through the collections API too
  const viaCollection = word();
  await alice.collection('posts').update(post.id, { title: `Collection ${viaCollection}` });
  assert.deepEqual(await found(viaCollection), [post.id]);
  assert.deepEqual(await found(newWord), []);

  await remove(alice, post.id);
  for (const w of [viaCollection, newBodyWord]) assert.deepEqual(await found(w), [], `deleted: ${w}`);
});

test('search follows batch requests, and a refused batch changes nothing', async () => {
  const [w1, w2, w3, w4, w5, w6] = [word(), word(), word(), word(), word(), word()];
  const p1 = await create(alice, { title: `Batch one ${w1}`, body: '<p>x</p>' });
  const draft = await create(alice, { title: `Batch draft ${w6}`, body: '<p>x</p>', status: 'draft' });
  const p2 = await create(alice, { title: `Batch two ${w2}`, body: '<p>x</p>' });
  const p3 = await create(alice, { title: `Batch three ${w3}`, body: '<p>x</p>' });

  // a batch that fails in its last request is undone whole, index included
  const failing = alice.createBatch();
  failing.collection('posts').update(p1.id, { title: `Renamed ${w4}` });
  failing.collection('posts').delete(p3.id);
  failing.collection('posts').update(p2.id, { price: -1 });
  await assert.rejects(failing.send(), (err) => err.status === 400);
  assert.deepEqual(await found(w1), [p1.id]);
  assert.deepEqual(await found(w4), []);
  assert.deepEqual(await found(w3), [p3.id]);

  const batch = alice.createBatch();
  batch.collection('posts').update(p1.id, { title: `Renamed ${w4}` });
  batch.collection('posts').update(p2.id, { status: 'draft' });
  batch.collection('posts').delete(p3.id);
  batch.collection('posts').create({ title: `Made in a batch ${w5}`, author: alice.authStore.record.id });
  batch.collection('posts').update(draft.id, { status: 'published' });
  const results = await batch.send().catch((err) => assert.fail(JSON.stringify(err.response)));
  assert.deepEqual(results.map((r) => r.status), [200, 200, 204, 200, 200]);
  assert.deepEqual(await found(w4), [p1.id]);
  assert.deepEqual(await found(w1), []);
  assert.deepEqual(await found(w2), []);
  assert.deepEqual(await found(w3), []);
  assert.deepEqual(await found(w5), [], 'a draft');
  assert.deepEqual(await found(w6), [draft.id]);
});

// the posts of the ranking tests: one with the word in its title, one with
// it in a tag, three in their bodies only, the first written as a draft and
// published last (the most recent); the title's is the oldest of the first
// two
async function rankedPosts() {
  const w = word();
  // (a summary of the author's own, else the body's start would be it)
  const inBody = { body: `<p>mentions ${w} in passing</p>`, summary: 'Elsewhere.' };
  const late = await create(alice, { title: 'Late', ...inBody, status: 'draft' });
  const bodyOld = await create(alice, { title: 'Body old', ...inBody });
  const titled = await create(bob, { title: `All about ${w}`, body: '<p>x</p>' });
  const bodyNew = await create(alice, { title: 'Body new', ...inBody });
  const tagged = await create(alice, { title: 'Tagged', body: '<p>x</p>', tags: [`${w}`] });
  await patch(alice, late.id, { status: 'published' });
  // the title first, then a tag (more telling than a body), then by recency
  return { w, expected: [titled.id, tagged.id, late.id, bodyNew.id, bodyOld.id] };
}

const reindex = () => execFileSync(process.env.BLOGBASE_BIN, ['search', 'reindex', '--dir', server.dir], { stdio: 'pipe' });

test('search ranks matches in a title or tag above matches in a body alone, then the most recently published', async () => {
  const { w, expected } = await rankedPosts();
  const got = await found(w);
  assert.deepEqual(new Set(got.slice(0, 2)), new Set(expected.slice(0, 2)));
  assert.deepEqual(got.slice(2), expected.slice(2));
});

test('search ranks a title match above a newer tag match', async () => {
  const { w, expected } = await rankedPosts();
  assert.deepEqual(await found(w), expected);
});

test('`blogbase search reindex` keeps the answers and their order', async () => {
  const { w, expected } = await rankedPosts();
  const before = await found(w);
  assert.deepEqual(new Set(before), new Set(expected));
  reindex();
  assert.deepEqual(await found(w), before, 'the order after `blogbase search reindex`');
});

test('search recency is the publication date: an imported old post ranks below a newer one', async () => {
  const w = word();
  const recent = await create(alice, { title: 'Recent', body: `<p>${w}</p>` });
  const imported = await create(alice, { title: 'Imported', body: `<p>${w}</p>`, published: '2015-06-01 10:00:00.000Z' });
  assert.deepEqual(await found(w), [recent.id, imported.id]);
});

test('search queries: any text is a query or a 400 on q, never a 500', async () => {
  const post = await create(alice, { title: 'Hostile', body: '<p>The honeybadger does not care.</p>' });
  const texts = [
    '"', '""', '"honeybadger', 'honeybadger"', '*', 'honey*', '**', 'NEAR(a b)', 'NEAR(honeybadger care)',
    'a OR b', 'honeybadger OR x', 'AND', 'NOT honeybadger', '(', ')', '(honeybadger', '-x', '-honeybadger',
    '+honeybadger', '^honeybadger', 'title:honeybadger', '{title}: honeybadger', 'honeybadger:', "'", '\\',
    '%', '_', '%_%', '; DROP TABLE posts; --', '\u0000', 'a\u0000b', '\u0001\u0002\u0003', '\u007f', '\u200b',
    '\ufeff', '😀', '😀😀', 'é', 'e\u0301', 'ǅ', 'ﬁ', '<mark>', '&amp;', 'a'.repeat(100),
    '锦'.repeat(100), `  ${'b'.repeat(100)}  `, 'honeybadger '.repeat(8).trim(),
  ];
  for (const q of texts) {
    let page;
    try {
      page = await search(q);
    } catch (err) {
      assert.fail(`q=${JSON.stringify(q)}: ${err.status} ${JSON.stringify(err.response)}`);
    }
    assert.ok(Array.isArray(page.items), JSON.stringify(q));
    for (const it of page.items) assert.equal(it.status, 'published');
  }
  // the engine's syntax is text: these find the post by its word
  for (const q of ['"honeybadger"', 'honeybadger*', '(honeybadger)', '-honeybadger', 'honeybadger:', 'HONEYBADGER!']) {
    assert.deepEqual(await found(q), [post.id], q);
  }
  // OR and NEAR are words, required like any other
  assert.deepEqual(await found('honeybadger OR nothingatall'), []);
  assert.deepEqual(await found('NEAR(honeybadger care)'), []);

  for (const q of ['', ' ', '\t\n ', 'a'.repeat(101), '锦'.repeat(101), `${'a'.repeat(50)} ${'b'.repeat(50)}`]) {
    const err = await expectStatus(search(q), 400);
    assert.ok(err.response.data?.q, `${JSON.stringify(q)}: ${JSON.stringify(err.response)}`);
  }
  const missing = await expectStatus(guest.send('/api/blog/search', {}), 400);
  assert.ok(missing.response.data?.q);

  // raw bytes the SDK would not send: invalid UTF-8, NUL, a lone %
  const raw = async (qs) => {
    const res = await fetch(`${server.url}/api/blog/search?${qs}`);
    return { status: res.status, body: await res.json() };
  };
  for (const qs of ['q=%FF', 'q=%C3', 'q=honeybadger%FF', 'q=%FF%FE%FD', 'q=%ED%A0%80', 'q=%00', 'q=a%00%01b',
    'q=honeybadger&q=other', `q=${'%FF'.repeat(100)}`, 'q=x&perPage=5&perPage=abc']) {
    const { status, body } = await raw(qs);
    assert.ok(status === 200 || status === 400, `${qs}: ${status} ${JSON.stringify(body)}`);
    if (status === 200) assert.ok(Array.isArray(body.items), qs);
  }
  assert.equal((await raw('q=%FF')).status, 200);
  const tooLong = await raw(`q=${'%FF'.repeat(101)}`);
  assert.equal(tooLong.status, 400);
  assert.ok(tooLong.body.data?.q);
  assert.equal((await raw('q=%')).status === 500, false);
  // an invalid byte is no letter: it separates words
  assert.deepEqual((await raw('q=honeybadger%FF')).body.items.map((it) => it.id), [post.id]);

  // perPage and cursor
  for (const perPage of ['abc', '0', '-3', '1.5']) {
    const err = await expectStatus(search('honeybadger', { perPage }), 400);
    assert.ok(err.response.data?.perPage, `${perPage}: ${JSON.stringify(err.response)}`);
  }
  assert.equal((await search('honeybadger', { perPage: 1000 })).perPage, 100);
  for (const cursor of ['garbage', 'x'.repeat(5000), '%%%', 'eyJxIjoiaG9uZXliYWRnZXIiLCJvIjoxfQ']) {
    const err = await expectStatus(search('honeybadger', { cursor }), 400);
    assert.ok(err.response.data?.cursor, `${cursor}: ${JSON.stringify(err.response)}`);
  }
});

test('search paging: nextCursor visits every match once, in the order of one long page', async () => {
  const w = word();
  const made = [];
  for (let i = 0; i < 11; i += 1) {
    made.push(await create(i % 3 ? alice : bob, { title: i % 4 ? `Page ${i}` : `Page ${i} ${w}`, body: `<p>${w} number ${i}</p>` }));
  }
  // a draft and a paid post with the word in its body only are no matches
  await create(alice, { title: 'Hidden', body: `<p>${w}</p>`, status: 'draft' });
  await create(alice, { title: 'Priced', body: `<p>${w}</p>`, price: 3 });

  const whole = await search(w, { perPage: 100 });
  assert.equal(whole.items.length, 11);
  assert.equal(whole.nextCursor, null);
  assert.deepEqual(new Set(ids(whole)), new Set(made.map((p) => p.id)));

  for (const perPage of [1, 3, 4, 11]) {
    const pages = await searchAll(w, perPage);
    const visited = pages.flatMap(ids);
    assert.deepEqual(visited, ids(whole), `perPage ${perPage}`);
    assert.equal(pages.length, Math.ceil(11 / perPage), `perPage ${perPage}: ${pages.map((p) => p.items.length)}`);
    assert.equal(pages.at(-1).nextCursor, null);
    for (const p of pages) assert.equal(p.perPage, perPage);
  }
  // a cursor belongs to its query
  const first = await search(w, { perPage: 2 });
  const err = await expectStatus(search(`${w} number`, { perPage: 2, cursor: first.nextCursor }), 400);
  assert.ok(err.response.data?.cursor);
});
