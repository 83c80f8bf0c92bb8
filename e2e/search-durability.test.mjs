// The search index through crashes: while clients write as fast as they
// can (published, paid and draft posts, each with words no other post
// has in its title and body, then new titles, new bodies, unpublishing,
// publishing again, deleting), the server is killed with SIGKILL, started
// again on the same data directory, and the index must agree with the
// posts: every published post is found by its title's word, and by its
// body's word when it is free; no draft, deleted or unpublished post, no
// old title or body, no paid body is found. Writes acknowledged with a
// 2xx are all there; writes in flight at the kill may or may not be, and
// the index must agree with whichever happened. Then `blogbase search
// reindex` rebuilds the index and every search answers the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startServer, register } from './server.mjs';

const WORKERS = 12;
const USERS = 6;
const KILLS_AT_MS = [2500, 3500, 1500]; // one burst, and one kill, each

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = (pb) => { pb.autoCancellation(false); return pb; };

let server;
let dir;
const users = []; // signed-in clients, whose sessions outlive restarts

// every post a client tried to create, known by its words
const attempts = [];
const byTitle = new Map(); // title word -> attempt
const byBody = new Map(); // body word -> attempt

// word makes a word no other post holds, all of one length, so that none
// is the start of another
let words = 0;
function word() {
  words += 1;
  let n = words;
  let s = '';
  for (let i = 0; i < 8; i += 1) { s += 'bcdfghjklmnpqrstvwz'[n % 19]; n = Math.floor(n / 19); }
  return `zq${s}`;
}
const wordIn = (text) => text.match(/zq[a-z]{8}/)?.[0];

// a body of a few kilobytes around its word, so that a write spans pages
const filler = `<p>${'Plain words around the one that counts. '.repeat(60)}</p>`;
const bodyOf = (w) => `<p>The word is ${w}.</p>${filler}`;

async function start() {
  server = await startServer({ dir, keepDir: true });
  dir = server.dir;
  for (const pb of users) pb.baseURL = server.url;
}

before(async () => {
  await start();
  const su = await server.superuser();
  // the limiter has its own tests; this one is about what a crash leaves
  await su.send('/api/settings', { method: 'PATCH', body: { rateLimits: { enabled: false } } });
  users.push(...(await Promise.all(Array.from({ length: USERS }, () => register(server)))).map(quiet));
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// burst writes from WORKERS clients until the server is killed, killAtMs
// after it begins; it answers what it saw
async function burst(killAtMs) {
  let killed = false;
  const seen = { creates: 0, edits: 0, deletes: 0, uncertain: 0, errors: [] };

  // write runs one request about attempt a; a failure after the kill
  // leaves a's state unknown until the restart tells
  const write = async (a, request, acknowledged) => {
    try {
      const answer = await request();
      acknowledged(answer);
    } catch (err) {
      if (killed) { a.uncertain = true; seen.uncertain += 1; } else seen.errors.push(`${err.status ?? ''} ${err.message} ${JSON.stringify(err.response ?? {})}`);
    }
  };

  const work = async (w) => {
    const pb = users[w % USERS];
    const owner = w % USERS;
    const mine = [];
    while (!killed) {
      const usable = mine.filter((a) => a.id && !a.uncertain && a.acked && !a.acked.deleted);
      const r = Math.random();
      if (usable.length < 3 || r < 0.35) {
        const title = word();
        const body = word();
        const kind = Math.random();
        const paid = kind < 0.12;
        const status = kind > 0.92 ? 'draft' : 'published';
        const a = { owner, titles: [title], bodies: [body], paid, id: null, uncertain: false, acked: null };
        attempts.push(a);
        mine.push(a);
        byTitle.set(title, a);
        byBody.set(body, a);
        await write(a, () => pb.send('/api/blog/posts', {
          method: 'POST', body: { title: `Post ${title}`, body: bodyOf(body), status, ...(paid ? { price: 2.5 } : {}) },
        }), (post) => {
          if (!post?.id) throw new Error('the answer was cut short');
          a.id = post.id;
          a.acked = { title, body, status, deleted: false };
          seen.creates += 1;
        });
        continue;
      }
      const a = usable[Math.floor(Math.random() * usable.length)];
      const patch = (change, acknowledged) => write(a, () => pb.send(`/api/blog/posts/${a.id}`, { method: 'PATCH', body: change }), (post) => {
        if (post?.id !== a.id) throw new Error('the answer was cut short');
        acknowledged();
        seen.edits += 1;
      });
      if (r < 0.6) {
        const title = word();
        a.titles.push(title);
        byTitle.set(title, a);
        await patch({ title: `Post ${title}` }, () => { a.acked.title = title; });
      } else if (r < 0.7) {
        const body = word();
        a.bodies.push(body);
        byBody.set(body, a);
        await patch({ body: bodyOf(body) }, () => { a.acked.body = body; });
      } else if (r < 0.88) {
        const status = a.acked.status === 'published' ? 'draft' : 'published';
        await patch({ status }, () => { a.acked.status = status; });
      } else {
        await write(a, () => fetch(`${server.url}/api/blog/posts/${a.id}`, {
          method: 'DELETE', headers: { Authorization: pb.authStore.token },
        }).then((res) => {
          if (res.status !== 204) throw Object.assign(new Error(`delete answered ${res.status}`), { status: res.status });
        }), () => {
          a.acked.deleted = true;
          seen.deletes += 1;
        });
      }
    }
  };

  const killer = (async () => {
    await sleep(killAtMs);
    killed = true;
    await server.kill9();
  })();
  await Promise.all([killer, ...Array.from({ length: WORKERS }, (_, w) => work(w))]);
  return seen;
}

// settle reads every post of every user (drafts included) as its author,
// checks that the acknowledged writes are there, and records on each
// attempt what the database holds (a.stored, null when there is no post),
// which writes in flight at the kill leave to the restart to tell
async function settle() {
  const problems = [];
  const stored = new Map(); // attempt -> {id, title, body, status}
  await Promise.all(users.map(async (pb) => {
    const me = pb.authStore.record.id;
    const [posts, contents] = await Promise.all([
      pb.collection('posts').getFullList({ filter: `author = "${me}"`, fields: 'id,title,status', batch: 1000 }),
      pb.collection('postContents').getFullList({ filter: `post.author = "${me}"`, fields: 'post,body', batch: 1000 }),
    ]);
    const bodies = new Map(contents.map((c) => [c.post, c.body]));
    for (const p of posts) {
      const title = wordIn(p.title);
      const body = wordIn(bodies.get(p.id) ?? '');
      const a = byTitle.get(title);
      if (!a || byBody.get(body) !== a) {
        problems.push(`a post nobody wrote: ${JSON.stringify(p)} with body word ${body}`);
        continue;
      }
      if (stored.has(a)) problems.push(`two posts of one create: ${stored.get(a).id} and ${p.id}`);
      if (a.id && a.id !== p.id) problems.push(`post ${a.id} came back as ${p.id}`);
      stored.set(a, { id: p.id, title, body, status: p.status });
    }
    const posted = new Set(posts.map((p) => p.id));
    for (const [post] of bodies) if (!posted.has(post)) problems.push(`a body without its post: ${post}`);
  }));

  for (const a of attempts) {
    const s = stored.get(a) ?? null;
    if (!a.uncertain && a.acked) {
      const want = a.acked;
      if (want.deleted && s) problems.push(`acknowledged delete of ${a.id} undone: ${JSON.stringify(s)}`);
      if (!want.deleted && !s) problems.push(`acknowledged post ${a.id} lost: ${JSON.stringify(want)}`);
      if (!want.deleted && s && (s.title !== want.title || s.body !== want.body || s.status !== want.status)) {
        problems.push(`acknowledged post ${a.id} is ${JSON.stringify(s)}, not ${JSON.stringify(want)}`);
      }
    }
    // from now on what is stored is what counts
    a.stored = s;
    if (s) {
      a.id = s.id;
      a.acked = { title: s.title, body: s.body, status: s.status, deleted: false };
    } else if (a.acked) {
      a.acked.deleted = true;
    }
    a.uncertain = false;
  }
  return problems;
}

// expectations lists every search to make, with the ids it must answer:
// each word ever given to a post finds that post only where it is its
// title's or free body's word now, and it is published
function expectations() {
  const out = [];
  for (const a of attempts) {
    const s = a.stored;
    const live = s && s.status === 'published';
    for (const t of a.titles) out.push([t, live && s.title === t ? [s.id] : []]);
    for (const b of a.bodies) out.push([b, live && !a.paid && s.body === b ? [s.id] : []]);
  }
  return out;
}

// searchAll makes the searches, a few at once, and answers what each found
async function searchAll(queries) {
  const pb = quiet(server.client());
  const answers = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < queries.length) {
      const [q] = queries[next++];
      const page = await pb.send('/api/blog/search', { query: { q, perPage: 10 } });
      for (const it of page.items) {
        assert.equal(it.status, 'published', `${q} found an unpublished post ${it.id}`);
      }
      answers.set(q, page.items.map((it) => it.id));
    }
  }));
  return answers;
}

// checkIndex compares the answers with the expectations and with the
// public listing (every published post, through its cursor)
async function checkIndex(label) {
  const wanted = expectations();
  const answers = await searchAll(wanted);
  const problems = [];
  for (const [q, ids] of wanted) {
    const got = answers.get(q);
    if (JSON.stringify(got) !== JSON.stringify(ids)) {
      const a = byTitle.get(q) ?? byBody.get(q);
      problems.push(`${label}: "${q}" found ${JSON.stringify(got)}, expected ${JSON.stringify(ids)} (post ${JSON.stringify(a.stored)}, titles ${a.titles}, bodies ${a.bodies}, paid ${a.paid})`);
    }
  }

  const pb = server.client();
  const listed = new Set();
  let page = await pb.send('/api/blog/posts', { query: { perPage: 100 } });
  for (;;) {
    for (const it of page.items) listed.add(it.id);
    if (!page.nextCursor) break;
    page = await pb.send('/api/blog/posts', { query: { perPage: 100, cursor: page.nextCursor } });
  }
  const published = new Set(attempts.filter((a) => a.stored?.status === 'published').map((a) => a.stored.id));
  for (const id of listed) if (!published.has(id)) problems.push(`${label}: listed but not published: ${id}`);
  for (const id of published) if (!listed.has(id)) problems.push(`${label}: published but not listed: ${id}`);
  return { problems, searches: wanted.length, answers };
}

test('after each kill -9 the search index agrees with the posts; a reindex answers the same', async (t) => {
  let last;
  for (const [round, killAt] of KILLS_AT_MS.entries()) {
    const seen = await burst(killAt);
    assert.deepEqual(seen.errors, [], `round ${round}: writes failed before the kill`);
    await start();
    const lost = await settle();
    assert.deepEqual(lost, [], `round ${round}: acknowledged writes`);
    last = await checkIndex(`round ${round}`);
    t.diagnostic(`round ${round}: ${seen.creates} creates, ${seen.edits} edits, ${seen.deletes} deletes acknowledged, ` +
      `${seen.uncertain} in flight at the kill; ${last.searches} searches`);
    assert.deepEqual(last.problems, [], `round ${round}: the index`);
  }
  assert.ok(attempts.some((a) => a.stored?.status === 'published' && !a.paid), 'some free posts were published');
  assert.ok(attempts.some((a) => a.stored?.status === 'draft'), 'some posts are drafts');
  assert.ok(attempts.some((a) => a.acked?.deleted), 'some posts were deleted');

  // the index rebuilt from the posts, next to the running server
  execFileSync(process.env.BLOGBASE_BIN, ['search', 'reindex', '--dir', dir], { stdio: 'pipe' });
  const rebuilt = await checkIndex('after reindex');
  assert.deepEqual(rebuilt.problems, [], 'after reindex');
  for (const [q, ids] of last.answers) assert.deepEqual(rebuilt.answers.get(q), ids, q);
});
