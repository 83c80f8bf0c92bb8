// A post's comments in threads, kept live: every reader subscribes to the
// post's comments through PocketBase realtime and applies each event to
// the threads in place, without asking the server anything: a comment
// costs the server one event per reader, not one read. The threads route
// sends the first replies of each thread; a reader asks for the rest of
// one, a hundred at a time, through the collections API. The threads are
// read again only after the realtime connection was lost and came back,
// when events may have been missed.
import { pb, me } from './api.js';
import { h, show, formatDate, errorMessage, formError } from './dom.js';

// the top-level comments read with the threads route, and the replies one
// "Show more replies" reads
const threadsPerRead = 100;
const repliesPerRead = 100;

export async function commentsSection(view, post) {
  const user = me();
  const heading = h('h2', { id: 'comments-heading' }, 'Comments');
  const list = h('ol', { class: 'comments', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'muted' }, 'No comments yet.');
  const section = h('section', { class: 'comments-section', 'aria-labelledby': 'comments-heading' }, heading, empty, list);
  view.append(section);

  // What the reader knows of the discussion: the top-level comments read
  // (oldest first), each with the replies shown (oldest first, always the
  // first ones of its thread) and repliesCount, the size of its thread;
  // and topLevelCount, how many top-level comments the post has, read or
  // not. Events change it, reads replace parts of it, and render draws it.
  let threads = [];
  let topLevelCount = 0;
  // the comments of the model by id, top-level ones and replies shown
  let known = new Map();
  // the comments deleted since the page opened: a cascade sends a delete
  // event for each reply, after (or before) that of the comment replied to
  const deleted = new Set();

  // Events wait while a read is under way and until the first read is
  // done: applied after it, against what it brought, a comment in both is
  // drawn and counted once. Whether a read counted a comment it did not
  // send (a reply not shown, a thread beyond the first page) cannot be
  // told, so a count can be one off when such a comment comes or goes
  // during a read, until the next one.
  let ready = false;
  let closed = false; // the reader left the page
  let reads = 0;
  let held = [];
  // bumped by every load: a "Show more" read started before a load is
  // dropped, its cursor no longer matches what is shown
  let generation = 0;
  let loadsStarted = 0;
  let loadsMerged = 0;

  // the comments drawn so far, by id: elements are made once and then
  // updated in place, so a reply being typed survives other people's
  // comments, and the live region announces only what is new
  const drawn = new Map();

  // read runs fetch with the events held back, merges what it brought,
  // then applies the events that came meanwhile.
  async function read(fetch, merge) {
    reads += 1;
    try {
      merge(await fetch());
    } finally {
      reads -= 1;
      flush();
    }
  }

  function flush() {
    if (ready && reads === 0) {
      const events = held;
      held = [];
      events.forEach(apply);
    }
    render();
  }

  function receive(e) {
    if (closed) return;
    if (!ready || reads > 0) {
      held.push(e);
      return;
    }
    apply(e);
    render();
  }

  // load reads the threads of the post again: the first page of
  // top-level comments, oldest first, with the first replies of each.
  async function load() {
    const ticket = ++loadsStarted;
    await read(() => pb.send(`/api/blog/posts/${post.id}/comments`, { query: { perPage: threadsPerRead } }), (page) => {
      if (ticket < loadsMerged) return; // a later load came back first
      loadsMerged = ticket;
      generation += 1;
      topLevelCount = page.totalItems;
      threads = page.items.map((c) => ({ ...c, replies: c.replies || [], repliesCount: c.repliesCount || 0 }));
      known = new Map();
      for (const c of threads) {
        known.set(c.id, c);
        for (const r of c.replies) known.set(r.id, r);
      }
    });
  }

  // showMore reads the next replies of a thread, after the last one shown,
  // in the order the route sends them, and the number left after them.
  async function showMore(threadId, button) {
    const c = threads.find((t) => t.id === threadId);
    if (!c) return;
    const last = c.replies.at(-1);
    const filter = last
      ? pb.filter('thread = {:thread} && (created > {:created} || (created = {:created} && id > {:id}))',
        { thread: c.id, created: last.created, id: last.id })
      : pb.filter('thread = {:thread}', { thread: c.id });
    const startedAt = generation;
    button.disabled = true;
    try {
      await read(() => pb.collection('comments').getList(1, repliesPerRead, { filter, sort: 'created,id', expand: 'author' }), (page) => {
        if (generation !== startedAt) return;
        for (const r of page.items) {
          if (known.has(r.id)) continue;
          c.replies.push(r);
          known.set(r.id, r);
        }
        c.repliesCount = c.replies.length + Math.max(page.totalItems - page.items.length, 0);
      });
    } finally {
      button.disabled = false;
    }
  }

  // apply changes the model by one realtime event.
  function apply({ action, record: c }) {
    if (!c?.id || c.post !== post.id) return;
    if (action === 'create') addComment(c);
    else if (action === 'update') updateComment(c);
    else if (action === 'delete') removeComment(c);
  }

  // addComment puts a new comment where the route would send it: a
  // top-level one last, if the first page holds them all; a reply last in
  // its thread, if the thread is drawn, or among its hidden replies, if
  // some are not shown yet.
  function addComment(c) {
    if (known.has(c.id) || deleted.has(c.id)) return;
    if (!c.parent) {
      const allRead = topLevelCount <= threads.length;
      topLevelCount += 1;
      if (!allRead) return;
      const thread = { ...c, replies: [], repliesCount: 0 };
      threads.push(thread);
      known.set(c.id, thread);
      return;
    }
    const thread = threads.find((t) => t.id === c.thread);
    if (!thread) return; // beyond the first page: not counted, as load does not
    const allShown = thread.repliesCount <= thread.replies.length;
    thread.repliesCount += 1;
    if (!allShown) return;
    thread.replies.push(c);
    known.set(c.id, c);
  }

  function updateComment(c) {
    const shown = known.get(c.id);
    if (shown) shown.body = c.body;
  }

  // removeComment takes a comment out with what cascades with it: a
  // thread with all its replies, a reply with the replies below it (those
  // not shown have delete events of their own). A second event for the
  // same comment changes nothing.
  function removeComment(c) {
    if (deleted.has(c.id)) return;
    deleted.add(c.id);
    if (!c.parent) {
      const i = threads.findIndex((t) => t.id === c.id);
      if (i >= 0) {
        for (const r of threads[i].replies) forget(r.id);
        forget(c.id);
        threads.splice(i, 1);
      }
      topLevelCount = Math.max(topLevelCount - 1, threads.length);
      return;
    }
    const thread = threads.find((t) => t.id === c.thread);
    if (!thread) return;
    const gone = new Set([c.id]);
    const kept = thread.replies.filter((r) => {
      if (!gone.has(r.id) && !gone.has(r.parent)) return true;
      gone.add(r.id);
      forget(r.id);
      return false;
    });
    const removed = thread.replies.length - kept.length;
    thread.replies = kept;
    if (removed > 0) thread.repliesCount -= removed;
    else if (thread.repliesCount > kept.length) thread.repliesCount -= 1; // one of those not shown
    thread.repliesCount = Math.max(thread.repliesCount, kept.length);
  }

  function forget(id) {
    known.delete(id);
    deleted.add(id);
  }

  // render draws the model: the count as load reads it (top-level comments
  // and the replies of the threads read), then the threads in order,
  // moving and replacing only what changed.
  function render() {
    if (loadsMerged === 0) return; // nothing read yet
    const total = topLevelCount + threads.reduce((n, c) => n + Math.max(c.repliesCount, c.replies.length), 0);
    setText(heading, `Comments (${total})`);
    empty.hidden = total > 0;
    const names = new Map();
    for (const c of threads) {
      names.set(c.id, authorName(c));
      for (const r of c.replies) names.set(r.id, authorName(r));
    }
    const seen = new Set();
    place(list, threads.map((c) => {
      const thread = draw(c, '', seen);
      place(thread.replies, c.replies.map((r) => draw(r, r.parent !== c.id ? names.get(r.parent) : '', seen).item));
      drawMore(thread, c);
      return thread.item;
    }));
    for (const [id, d] of drawn) {
      if (!seen.has(id)) {
        d.item.remove();
        drawn.delete(id);
      }
    }
  }

  // draw returns the list item of comment c, made once and then updated
  function draw(c, inReplyTo, seen) {
    seen.add(c.id);
    let d = drawn.get(c.id);
    if (!d) {
      d = make(c);
      drawn.set(c.id, d);
    }
    setText(d.body, c.body);
    setText(d.context, inReplyTo ? ` · in reply to ${inReplyTo}` : '');
    return d;
  }

  // drawMore offers the replies of thread c not shown yet; the button is
  // made once, so that it keeps the focus while others comment.
  function drawMore(d, c) {
    const hidden = c.repliesCount - c.replies.length;
    if (hidden <= 0) {
      if (d.more.firstChild) show(d.more);
      return;
    }
    if (!d.moreButton) {
      d.moreButton = h('button', {
        type: 'button', class: 'link',
        onclick: (e) => showMore(c.id, e.currentTarget).catch((err) => alert(errorMessage(err))),
      });
    }
    setText(d.moreButton, hidden === 1 ? 'Show 1 more reply' : `Show ${Math.min(hidden, repliesPerRead)} more replies`);
    if (d.moreButton.parentNode !== d.more) show(d.more, d.moreButton);
  }

  function make(c) {
    const author = c.expand?.author;
    const canDelete = user && (user.id === c.author || user.id === post.author);
    const replyBox = h('div');
    const body = h('p', { class: 'comment-body' });
    const context = h('span');
    const replies = h('ol', { class: 'replies' });
    const more = h('p', { class: 'more-replies' });
    const name = author?.name || author?.username || 'someone';
    const item = h('li', null, h('article', { class: 'comment', id: `comment-${c.id}` },
      h('p', { class: 'byline' },
        author ? h('a', { href: `/authors/${author.username}` }, name) : name,
        ' · ', h('time', { datetime: c.created }, formatDate(c.created)), context),
      body,
      h('p', { class: 'actions' },
        user && post.status === 'published' && h('button', {
          type: 'button', class: 'link', 'aria-label': `Reply to ${name}`,
          onclick: () => {
            show(replyBox, commentForm(post, c.id, `Reply to ${name}`, () => show(replyBox)));
            replyBox.querySelector('textarea').focus();
          },
        }, 'Reply'),
        canDelete && h('button', {
          type: 'button', class: 'link', 'aria-label': `Delete the comment of ${name}`,
          onclick: async () => {
            if (!confirm('Delete this comment and its replies?')) return;
            await pb.collection('comments').delete(c.id).catch((err) => alert(errorMessage(err)));
          },
        }, 'Delete')),
      replyBox),
    replies, more);
    return { item, body, context, replies, more, moreButton: null };
  }

  if (user && post.status === 'published') section.append(commentForm(post, '', 'Add a comment'));
  else if (!user) section.append(h('p', null, h('a', { href: `/login?next=/posts/${post.slug || post.id}` }, 'Log in'), ' to comment.'));

  // Subscribed first, loaded second: a comment made in between is in the
  // load or in an event (held until the load is in), never lost. The
  // SDK subscribes again by itself after a lost connection, but what
  // happened meanwhile came to nobody: a new connection (PB_CONNECT with
  // another client id) reads the threads again, once. Both subscriptions
  // go to the server in one request.
  let clientId = null;
  let unsubscribers = [];
  try {
    unsubscribers = await Promise.all([
      pb.collection('comments').subscribe('*', receive, {
        filter: pb.filter('post = {:post}', { post: post.id }),
        expand: 'author',
      }),
      pb.realtime.subscribe('PB_CONNECT', (e) => {
        if (closed || clientId === null || !e?.clientId || e.clientId === clientId) return;
        clientId = e.clientId;
        load().catch(() => {});
      }),
    ]);
    clientId = pb.realtime.clientId;
  } catch {
    // no realtime (a proxy without server-sent events): the comments
    // still show, without live updates. The SDK keeps the listeners of a
    // subscription that failed, and may connect them later: they do
    // nothing.
    closed = true;
    section.append(h('p', { class: 'muted' }, 'New comments show when you reload the page.'));
  }
  const unsubscribe = async () => {
    closed = true;
    await Promise.all(unsubscribers.map((u) => u().catch(() => {})));
  };
  try {
    await load();
  } catch (err) {
    await unsubscribe();
    throw err;
  }
  ready = true;
  flush();
  return unsubscribe;
}

function authorName(c) {
  return c.expand?.author?.name || c.expand?.author?.username || 'someone';
}

// setText sets el's text when it differs: rewriting the same text would
// replace its text node, which a live region may announce again.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

// place makes parent's children exactly items, in order, moving only
// what is out of place (a moved node that holds the focus would lose it).
function place(parent, items) {
  items.forEach((item, i) => {
    if (parent.children[i] !== item) parent.insertBefore(item, parent.children[i] || null);
  });
  while (parent.children.length > items.length) parent.lastElementChild.remove();
}

// commentForm writes a comment (or a reply to parent) as the signed-in
// user; the list updates through realtime, like everyone else's.
function commentForm(post, parent, label, done) {
  const id = `comment-input-${parent || 'new'}`;
  const input = h('textarea', { id, name: 'body', required: true, maxlength: 2000, rows: parent ? 2 : 3 });
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'comment-form' },
    h('label', { for: id }, label), input,
    h('p', null, h('button', { type: 'submit' }, parent ? 'Reply' : 'Comment')),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await pb.collection('comments').create({ post: post.id, parent, body: input.value });
      input.value = '';
      formError(form, error, null);
      if (done) done();
    } catch (err) {
      formError(form, error, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
