// A post's comments in threads, kept live: every reader subscribes to the
// post's comments through PocketBase realtime and redraws the threads on
// each change.
import { pb, me } from './api.js';
import { h, show, formatDate, errorMessage } from './dom.js';

export async function commentsSection(view, post) {
  const user = me();
  const heading = h('h2', { id: 'comments-heading' }, 'Comments');
  const list = h('ol', { class: 'comments', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const section = h('section', { class: 'comments-section', 'aria-labelledby': 'comments-heading' }, heading, list);
  view.append(section);

  async function load() {
    const page = await pb.send(`/api/blog/posts/${post.id}/comments`, { query: { perPage: 100 } });
    heading.textContent = `Comments (${page.totalItems})`;
    show(list, page.items.map((c) => h('li', null, comment(c, c.replies || []))));
    if (page.totalItems === 0) show(list, h('li', { class: 'muted' }, 'No comments yet.'));
  }

  function comment(c, replies) {
    const author = c.expand?.author;
    const canDelete = user && (user.id === c.author || user.id === post.author);
    const replyBox = h('div');
    return h('article', { class: 'comment', id: `comment-${c.id}` },
      h('p', { class: 'byline' },
        author ? h('a', { href: `/authors/${author.username}` }, author.name || author.username) : 'someone',
        ' · ', h('time', { datetime: c.created }, formatDate(c.created))),
      h('p', { class: 'comment-body' }, c.body),
      h('p', { class: 'actions' },
        user && post.status === 'published' && h('button', {
          type: 'button', class: 'link',
          onclick: () => show(replyBox, commentForm(post, c.id, `Reply to ${author?.name || author?.username || 'this comment'}`, () => show(replyBox))),
        }, 'Reply'),
        canDelete && h('button', {
          type: 'button', class: 'link',
          onclick: async () => {
            if (!confirm('Delete this comment and its replies?')) return;
            await pb.collection('comments').delete(c.id).catch((err) => alert(errorMessage(err)));
          },
        }, 'Delete')),
      replyBox,
      replies.length > 0 && h('ol', { class: 'replies' }, replies.map((r) => h('li', null, comment(r, [])))));
  }

  if (user && post.status === 'published') section.append(commentForm(post, '', 'Add a comment'));
  else if (!user) section.append(h('p', null, h('a', { href: `/login?next=/posts/${post.slug || post.id}` }, 'Log in'), ' to comment.'));

  await load();
  // one reload for a burst of changes
  let timer = null;
  const unsubscribe = await pb.collection('comments').subscribe('*', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load().catch(() => {}), 100);
  }, { filter: pb.filter('post = {:post}', { post: post.id }) });
  return async () => {
    clearTimeout(timer);
    await unsubscribe();
  };
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
      error.textContent = '';
      if (done) done();
    } catch (err) {
      error.textContent = errorMessage(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
