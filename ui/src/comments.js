// A post's comments in threads, kept live: every reader subscribes to the
// post's comments through PocketBase realtime and, on each change, reads
// the threads again and updates them in place. The threads route sends
// the first replies of each thread; a reader asks for the rest of one,
// a hundred at a time, through the collections API.
import { pb, me } from './api.js';
import { h, show, formatDate, errorMessage, formError } from './dom.js';

export async function commentsSection(view, post) {
  const user = me();
  const heading = h('h2', { id: 'comments-heading' }, 'Comments');
  const list = h('ol', { class: 'comments', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'muted' }, 'No comments yet.');
  const section = h('section', { class: 'comments-section', 'aria-labelledby': 'comments-heading' }, heading, empty, list);
  view.append(section);

  // the comments drawn so far, by id: a reload updates them in place, so
  // a reply being typed survives other people's comments, and the live
  // region announces only what is new
  const drawn = new Map();
  // the replies a reader asked for beyond those the route sends, by thread
  const more = new Map();

  async function load() {
    const page = await pb.send(`/api/blog/posts/${post.id}/comments`, { query: { perPage: 100 } });
    const total = page.totalItems + page.items.reduce((n, c) => n + (c.repliesCount || 0), 0);
    heading.textContent = `Comments (${total})`;
    empty.hidden = total > 0;
    const seen = new Set();
    const names = new Map();
    for (const c of page.items) {
      c.replies = withMore(c.replies || [], more.get(c.id));
      names.set(c.id, authorName(c));
      for (const r of c.replies) names.set(r.id, authorName(r));
    }
    place(list, page.items.map((c) => {
      const thread = draw(c, '', seen);
      place(thread.replies, c.replies.map((r) => draw(r, r.parent !== c.id ? names.get(r.parent) : '', seen).item));
      const hidden = (c.repliesCount || 0) - c.replies.length;
      show(thread.more, hidden > 0 && h('button', {
        type: 'button', class: 'link',
        onclick: (e) => { e.target.disabled = true; showMore(c).catch((err) => alert(errorMessage(err))); },
      }, hidden === 1 ? 'Show 1 more reply' : `Show ${Math.min(hidden, 100)} more replies`));
      return thread.item;
    }));
    for (const [id, d] of drawn) {
      if (!seen.has(id)) {
        d.item.remove();
        drawn.delete(id);
      }
    }
  }

  // showMore reads the next hundred replies of thread c, in the order the
  // route sends them, and draws them with the others
  async function showMore(c) {
    const next = Math.floor(c.replies.length / 100) + 1;
    const page = await pb.collection('comments').getList(next, 100, {
      filter: pb.filter('thread = {:thread}', { thread: c.id }), sort: 'created,id', expand: 'author',
    });
    more.set(c.id, withMore(more.get(c.id) || [], page.items));
    await load();
  }

  // draw returns the list item of comment c, made once and then updated
  function draw(c, inReplyTo, seen) {
    seen.add(c.id);
    let d = drawn.get(c.id);
    if (!d) {
      d = make(c);
      drawn.set(c.id, d);
    }
    d.body.textContent = c.body;
    d.context.textContent = inReplyTo ? ` · in reply to ${inReplyTo}` : '';
    return d;
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
    return { item, body, context, replies, more };
  }

  if (user && post.status === 'published') section.append(commentForm(post, '', 'Add a comment'));
  else if (!user) section.append(h('p', null, h('a', { href: `/login?next=/posts/${post.slug || post.id}` }, 'Log in'), ' to comment.'));

  // subscribed first, loaded second: a comment made in between is in the
  // load or in an event, never lost. One reload for a burst of changes.
  let timer = null;
  let unsubscribe = null;
  try {
    unsubscribe = await pb.collection('comments').subscribe('*', () => {
      clearTimeout(timer);
      timer = setTimeout(() => load().catch(() => {}), 100);
    }, { filter: pb.filter('post = {:post}', { post: post.id }) });
  } catch {
    // no realtime (a proxy without server-sent events): the comments
    // still show, without live updates
    section.append(h('p', { class: 'muted' }, 'New comments show when you reload the page.'));
  }
  await load();
  return async () => {
    clearTimeout(timer);
    if (unsubscribe) await unsubscribe();
  };
}

// withMore is the replies list followed by those of extra it lacks.
function withMore(replies, extra) {
  if (!extra?.length) return replies;
  const ids = new Set(replies.map((r) => r.id));
  return [...replies, ...extra.filter((r) => !ids.has(r.id))];
}

function authorName(c) {
  return c.expand?.author?.name || c.expand?.author?.username || 'someone';
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
