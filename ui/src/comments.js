// A post's comments in threads, kept live: every reader subscribes to the
// post's comments through PocketBase realtime and applies each event to
// the threads in place, without asking the server anything: a comment
// costs the server one event per reader, not one read. The threads route
// sends the first threads with the first replies of each; a reader asks
// for more threads, and for the rest of a long thread, from the cursors
// it answered. The threads are read again only after the realtime
// connection was lost and came back, when events may have been missed.
// Its author edits a comment in place.
import { pb, me } from './api.js';
import { h, show, formatDate, errorMessage, formError } from './dom.js';

// the top-level comments the first read and each "Show more comments"
// bring (the route sends at most maxThreadsPerRead), and the replies one
// "Show more replies" reads
const threadsPerRead = 20;
const maxThreadsPerRead = 100;
const repliesPerRead = 100;

export async function commentsSection(view, post) {
  const user = me();
  const heading = h('h2', { id: 'comments-heading' }, 'Comments');
  const live = { class: 'comments', 'aria-live': 'polite', 'aria-relevant': 'additions' };
  // the threads read, oldest first; the offer of the older ones not read
  // yet; and the threads written since, live, while some were unread
  const list = h('ol', live);
  const moreThreads = h('p', { class: 'more-comments' });
  const freshList = h('ol', live);
  const empty = h('p', { class: 'muted' }, 'No comments yet.');
  const section = h('section', { class: 'comments-section', 'aria-labelledby': 'comments-heading' },
    heading, empty, list, moreThreads, freshList);
  view.append(section);

  // What the reader knows of the discussion: the top-level comments read
  // (oldest first, a page at a time from moreCursor, null once all are
  // read), each with the replies shown (oldest first, always the first
  // ones of its thread), repliesCount, the size of its thread, and
  // repliesCursor, where its unread replies start (null when all are
  // shown); fresh, the threads that came live while older ones were
  // unread, drawn after those; topLevelCount, how many threads the post
  // has, read or not; and otherReplies, how many replies the unread
  // threads have. Events change it, reads replace parts of it, and render
  // draws it.
  let threads = [];
  let fresh = [];
  let moreCursor = null;
  let topLevelCount = 0;
  let otherReplies = 0;
  // the comments of the model by id, top-level ones and replies shown
  let known = new Map();
  // the comments deleted since the page opened: a cascade sends a delete
  // event for each reply, after (or before) that of the comment replied to
  const deleted = new Set();
  // the threads read and then deleted: their replies were counted with
  // them, and their delete events change nothing more
  const dropped = new Set();

  // Events wait while a read is under way and until the first read is
  // done: applied after it, against what it brought, a comment in both is
  // drawn and counted once. Whether a read counted a comment it did not
  // send (a reply not shown, a thread beyond the pages read) cannot be
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
  let moreButton = null;

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

  // readComments reads a page of the threads, or of the replies of one
  // (the rest of a long thread).
  function readComments(query, thread = '') {
    const path = thread ? `/comments/${encodeURIComponent(thread)}/replies` : '/comments';
    return pb.send(`/api/blog/posts/${post.id}${path}`, { query });
  }

  function asThread(c) {
    return { ...c, replies: c.replies || [], repliesCount: c.repliesCount || 0, repliesCursor: c.repliesCursor || null };
  }

  function remember(thread) {
    known.set(thread.id, thread);
    for (const r of thread.replies) known.set(r.id, r);
  }

  // countFrom takes the counts of a page of threads: the threads in all,
  // and the replies of those not read, out of all the post's comments.
  function countFrom(page) {
    topLevelCount = page.totalItems;
    const readReplies = [...threads, ...fresh].reduce((n, c) => n + c.repliesCount, 0);
    otherReplies = Math.max((page.commentsCount ?? 0) - page.totalItems - readReplies, 0);
  }

  // load reads the threads of the post again: the first page of
  // top-level comments, oldest first, with the first replies of each (as
  // many threads as were read before, after a lost connection).
  async function load() {
    const ticket = ++loadsStarted;
    const perPage = Math.min(Math.max(threads.length, threadsPerRead), maxThreadsPerRead);
    await read(() => readComments({ perPage }), (page) => {
      if (ticket < loadsMerged) return; // a later load came back first
      loadsMerged = ticket;
      generation += 1;
      threads = page.items.map(asThread);
      fresh = [];
      known = new Map();
      threads.forEach(remember);
      moreCursor = page.nextCursor;
      countFrom(page);
    });
  }

  // showMoreThreads reads the next page of threads, after the last one
  // read. Those that came live meanwhile are in it, in their place.
  async function showMoreThreads(button) {
    if (!moreCursor) return;
    const startedAt = generation;
    let firstRead = null;
    button.disabled = true;
    try {
      await read(() => readComments({ cursor: moreCursor, perPage: threadsPerRead }), (page) => {
        if (generation !== startedAt) return;
        firstRead = page.items[0]?.id || null;
        for (const item of page.items) {
          const i = fresh.findIndex((t) => t.id === item.id);
          if (i >= 0) threads.push(...fresh.splice(i, 1)); // followed live since it came
          else if (!known.has(item.id) && !deleted.has(item.id)) {
            const thread = asThread(item);
            threads.push(thread);
            remember(thread);
          }
        }
        moreCursor = page.nextCursor;
        if (!moreCursor) threads.push(...fresh.splice(0));
        countFrom(page);
      });
    } finally {
      button.disabled = false;
    }
    // the button went with the last of them: the focus goes on to the
    // first comment it brought
    if (!button.isConnected && firstRead) document.getElementById(`comment-${firstRead}`)?.focus();
  }

  // showMoreReplies reads the next replies of a thread, after the last one
  // shown, in the order the route sends them.
  async function showMoreReplies(threadId, button) {
    const c = known.get(threadId);
    if (!c?.repliesCursor) return;
    const startedAt = generation;
    button.disabled = true;
    try {
      await read(() => readComments({ cursor: c.repliesCursor, perPage: repliesPerRead }, threadId), (page) => {
        if (generation !== startedAt || known.get(threadId) !== c) return;
        for (const r of page.items) {
          if (known.has(r.id) || deleted.has(r.id)) continue;
          c.replies.push(r);
          known.set(r.id, r);
        }
        c.repliesCursor = page.nextCursor;
        c.repliesCount = Math.max(page.totalItems, c.replies.length);
      });
    } catch (err) {
      if (err?.status !== 404) throw err; // the thread is gone: its delete event says so
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
  // top-level one last, among the threads read if all are, else after the
  // offer of those not read; a reply last in its thread, if the thread is
  // drawn with all its replies, else counted behind "Show more replies",
  // from where it is read in its place.
  function addComment(c) {
    if (known.has(c.id) || deleted.has(c.id)) return;
    if (!c.parent) {
      topLevelCount += 1;
      const thread = asThread({ ...c, replies: [], repliesCount: 0, repliesCursor: null });
      (moreCursor ? fresh : threads).push(thread);
      known.set(c.id, thread);
      return;
    }
    const thread = known.get(c.thread);
    if (!thread || thread.parent) {
      otherReplies += 1; // in a thread not read
      return;
    }
    thread.repliesCount += 1;
    if (thread.repliesCursor) return;
    thread.replies.push(c);
    known.set(c.id, c);
  }

  function updateComment(c) {
    const shown = known.get(c.id);
    if (!shown) return;
    shown.body = c.body;
    shown.updated = c.updated;
  }

  // removeComment takes a comment out with what cascades with it: a
  // thread with all its replies, a reply with the replies below it (those
  // not shown have delete events of their own). A second event for the
  // same comment changes nothing.
  function removeComment(c) {
    if (deleted.has(c.id)) return;
    deleted.add(c.id);
    if (!c.parent) {
      const thread = known.get(c.id);
      if (thread) {
        for (const r of thread.replies) forget(r.id);
        forget(c.id);
        dropped.add(c.id);
        threads = threads.filter((t) => t !== thread);
        fresh = fresh.filter((t) => t !== thread);
      }
      topLevelCount = Math.max(topLevelCount - 1, threads.length + fresh.length);
      return;
    }
    if (dropped.has(c.thread)) return; // counted with its thread
    const thread = known.get(c.thread);
    if (!thread || thread.parent) {
      otherReplies = Math.max(otherReplies - 1, 0);
      return;
    }
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

  // render draws the model: the count of all the post's comments, then
  // the threads in order, moving and replacing only what changed.
  function render() {
    if (loadsMerged === 0) return; // nothing read yet
    const all = [...threads, ...fresh];
    const total = topLevelCount + otherReplies + all.reduce((n, c) => n + Math.max(c.repliesCount, c.replies.length), 0);
    setText(heading, `Comments (${total})`);
    empty.hidden = total > 0;
    const names = new Map();
    for (const c of all) {
      names.set(c.id, authorName(c));
      for (const r of c.replies) names.set(r.id, authorName(r));
    }
    const seen = new Set();
    const drawThread = (c) => {
      const thread = draw(c, '', seen);
      place(thread.replies, c.replies.map((r) => draw(r, r.parent !== c.id ? names.get(r.parent) : '', seen).item));
      drawMore(thread, c);
      return thread.item;
    };
    place(list, threads.map(drawThread));
    drawMoreThreads();
    place(freshList, fresh.map(drawThread));
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
    setText(d.edited, wasEdited(c) ? ' · edited' : '');
    return d;
  }

  // drawMoreThreads offers the threads not read yet; the button is made
  // once, so that it keeps the focus while others comment.
  function drawMoreThreads() {
    if (!moreCursor) {
      if (moreThreads.firstChild) show(moreThreads);
      return;
    }
    if (!moreButton) {
      moreButton = h('button', {
        type: 'button', class: 'link',
        onclick: (e) => showMoreThreads(e.currentTarget).catch((err) => alert(errorMessage(err))),
      });
    }
    const hidden = topLevelCount - threads.length - fresh.length;
    setText(moreButton, hidden === 1 ? 'Show 1 more comment'
      : hidden > 1 ? `Show ${Math.min(hidden, threadsPerRead)} more comments` : 'Show more comments');
    if (moreButton.parentNode !== moreThreads) show(moreThreads, moreButton);
  }

  // drawMore offers the replies of thread c not shown yet; the button is
  // made once, so that it keeps the focus while others comment.
  function drawMore(d, c) {
    const hidden = c.repliesCount - c.replies.length;
    if (!c.repliesCursor) {
      if (d.more.firstChild) show(d.more);
      return;
    }
    if (!d.moreButton) {
      d.moreButton = h('button', {
        type: 'button', class: 'link',
        onclick: (e) => showMoreReplies(c.id, e.currentTarget).catch((err) => alert(errorMessage(err))),
      });
    }
    setText(d.moreButton, hidden === 1 ? 'Show 1 more reply'
      : hidden > 1 ? `Show ${Math.min(hidden, repliesPerRead)} more replies` : 'Show more replies');
    if (d.moreButton.parentNode !== d.more) show(d.more, d.moreButton);
  }

  function make(c) {
    const author = c.expand?.author;
    const canDelete = user && (user.id === c.author || user.id === post.author);
    // the comments update rule: their author, while the post is readable
    const canEdit = user && user.id === c.author && (post.status === 'published' || user.id === post.author);
    const replyBox = h('div');
    const editBox = h('div');
    const body = h('p', { class: 'comment-body' });
    const context = h('span');
    const edited = h('span');
    const replies = h('ol', { class: 'replies' });
    const more = h('p', { class: 'more-replies' });
    const name = author?.name || author?.username || 'someone';
    const actions = h('p', { class: 'actions' },
      user && post.status === 'published' && h('button', {
        type: 'button', class: 'link', 'aria-label': `Reply to ${name}`,
        onclick: () => {
          show(replyBox, commentForm(post, c.id, `Reply to ${name}`, () => show(replyBox)));
          replyBox.querySelector('textarea').focus();
        },
      }, 'Reply'),
      canEdit && h('button', {
        type: 'button', class: 'link', 'aria-label': 'Edit your comment',
        onclick: (e) => {
          const editButton = e.currentTarget;
          const close = (saved) => {
            if (saved) {
              updateComment(saved);
              render();
            }
            show(editBox);
            body.hidden = false;
            actions.hidden = false;
            editButton.focus();
          };
          body.hidden = true;
          actions.hidden = true;
          show(editBox, editForm(c.id, known.get(c.id)?.body ?? body.textContent, close));
          editBox.querySelector('textarea').focus();
        },
      }, 'Edit'),
      canDelete && h('button', {
        type: 'button', class: 'link', 'aria-label': `Delete the comment of ${name}`,
        onclick: async () => {
          if (!confirm('Delete this comment and its replies?')) return;
          await pb.collection('comments').delete(c.id).catch((err) => alert(errorMessage(err)));
        },
      }, 'Delete'));
    const item = h('li', null, h('article', { class: 'comment', id: `comment-${c.id}`, tabindex: -1 },
      h('p', { class: 'byline' },
        author ? h('a', { href: `/authors/${author.username}` }, name) : name,
        ' · ', h('time', { datetime: c.created }, formatDate(c.created)), edited, context),
      body, editBox, actions, replyBox),
    replies, more);
    return { item, body, context, edited, replies, more, moreButton: null };
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

// wasEdited tells a comment changed after it was written (its two dates
// are set a moment apart when it is made).
function wasEdited(c) {
  const at = (v) => Date.parse(String(v || '').replace(' ', 'T'));
  return at(c.updated) - at(c.created) > 1000;
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

// editForm edits the body of comment id, text now; close is called with
// the saved record, or with null when the author cancels (Escape too).
function editForm(id, text, close) {
  const inputId = `comment-edit-${id}`;
  const input = h('textarea', { id: inputId, name: 'body', required: true, maxlength: 2000, rows: 3 });
  input.value = text;
  const error = h('p', { role: 'alert', class: 'error' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h('form', { class: 'comment-form' },
    h('label', { for: inputId }, 'Edit your comment'), input,
    h('p', { class: 'actions' },
      save,
      h('button', { type: 'button', class: 'secondary', onclick: () => close(null) }, 'Cancel')),
    error);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close(null);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      close(await pb.collection('comments').update(id, { body: input.value }));
    } catch (err) {
      formError(form, error, err);
      save.disabled = false;
    }
  });
  return form;
}
