// The editor (/write/new, /write/{id}): a post's Markdown beside its
// preview (tabs on a narrow screen), its images and cover, and publishing
// now, later or not yet. Work not saved is kept in the browser and
// offered back, and leaving with it asks first.
import { pb, getPost } from './api.js';
import { site } from './boot.js';
import { h, show } from './dom.js';
import { navigate, say, guardLeaving } from './nav.js';
import { requireUser, formatDateTime, statusText } from './write.js';
import { unsavedWork } from './editor-draft.js';
import { markdownPreview } from './editor-preview.js';
import { bodyImages, coverField } from './editor-images.js';
import { tagChooser } from './editor-tags.js';

// how long typing pauses before the work is kept in the browser
const keepAfter = 300;

export async function editorPage(view, [id]) {
  const user = requireUser();
  if (!user) return null;
  let post = id ? await getPost(id) : {
    title: '', summary: '', markdown: '', body: '', status: 'draft', published: '', price: 0, currency: site.currency || 'CNY',
  };
  if (id && post.author !== user.id) throw Object.assign(new Error('Not found'), { status: 404 });
  let kept = unsavedWork(user.id, id);

  // the fields, each with the place for the server's error about it
  const field = (label, name, control, hint) => {
    if (hint) control.setAttribute('aria-describedby', `post-${name}-hint`);
    return h('p', { class: 'field' },
      h('label', { for: `post-${name}` }, label),
      control,
      hint && h('span', { class: 'hint muted', id: `post-${name}-hint` }, hint),
      h('span', { class: 'error field-error', id: `post-${name}-error` }));
  };
  const title = h('input', { id: 'post-title', name: 'title', required: true, maxlength: 256 });
  const summary = h('input', { id: 'post-summary', name: 'summary', maxlength: 500 });
  const markdown = h('textarea', { id: 'post-markdown', name: 'markdown', rows: 16, spellcheck: 'true' });
  const price = h('input', { id: 'post-price', name: 'price', type: 'number', min: 0, max: 1000000, step: '0.01' });
  const currency = h('input', { id: 'post-currency', name: 'currency', maxlength: 3, pattern: '[A-Za-z]{3}', autocapitalize: 'characters' });
  const publishAt = h('input', { id: 'post-published', name: 'published', type: 'datetime-local' });
  const alert = h('div', { role: 'alert', class: 'error' });

  const preview = markdownPreview(markdown);
  const images = bodyImages(markdown, {
    postId: () => id,
    changed: () => {
      preview.changed();
      changed();
    },
  });
  const cover = coverField(post, { changed });
  const tags = tagChooser({ changed });
  let sentTags = null; // the names the last save sent

  const writeTab = h('button', { type: 'button', role: 'tab', id: 'tab-write', 'aria-controls': 'pane-write' }, 'Write');
  const previewTab = h('button', { type: 'button', role: 'tab', id: 'tab-preview', 'aria-controls': 'pane-preview' }, 'Preview');
  const panes = h('div', { class: 'editor-panes' },
    h('div', { class: 'editor-tabs', role: 'tablist', 'aria-label': 'Show the Markdown or its preview' }, writeTab, previewTab),
    h('div', { class: 'pane write-pane', id: 'pane-write', role: 'tabpanel', 'aria-labelledby': 'tab-write' },
      field('Body (Markdown)', 'markdown', markdown,
        'Markdown: # Heading, **bold**, - lists, | tables |, [links](https://…). HTML works too. Paste or drop images into the text.'),
      images.element),
    h('div', { class: 'pane preview-pane', id: 'pane-preview', role: 'tabpanel', 'aria-labelledby': 'tab-preview' },
      h('h2', { class: 'pane-title' }, 'Preview'),
      preview.element));
  function selectTab(tab) {
    panes.dataset.tab = tab;
    for (const [el, name] of [[writeTab, 'write'], [previewTab, 'preview']]) {
      el.setAttribute('aria-selected', String(tab === name));
      el.tabIndex = tab === name ? 0 : -1;
    }
    if (tab === 'preview') preview.refresh();
  }
  writeTab.addEventListener('click', () => selectTab('write'));
  previewTab.addEventListener('click', () => selectTab('preview'));
  // the arrow keys move between the two tabs, as in any tab list
  panes.firstChild.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const next = panes.dataset.tab === 'write' ? previewTab : writeTab;
    next.click();
    next.focus();
  });
  selectTab('write');

  const publishing = h('fieldset', { class: 'publishing' });
  const dirtyNote = h('p', { class: 'muted unsaved-note' });
  const form = h('form', { class: 'stack editor' },
    field('Title', 'title', title),
    field('Summary (optional; taken from the body when empty)', 'summary', summary),
    tags.element,
    panes,
    cover.element,
    site.payments && h('div', { class: 'price-fields' },
      field('Price (0 for free)', 'price', price),
      field('Currency', 'currency', currency, 'An ISO code, e.g. CNY, USD, EUR')),
    publishing,
    dirtyNote,
    alert);
  const heading = h('h1', null);

  // values are what the writer can change, as kept and compared
  function values() {
    const v = { title: title.value, summary: summary.value, tags: tags.names(), markdown: markdown.value, publishAt: publishAt.value };
    if (site.payments) Object.assign(v, { price: price.value, currency: currency.value });
    return v;
  }
  function fill(v) {
    title.value = v.title ?? '';
    summary.value = v.summary ?? '';
    tags.set(Array.isArray(v.tags) ? v.tags : []);
    markdown.value = v.markdown ?? '';
    publishAt.value = v.publishAt ?? '';
    price.value = v.price ?? 0;
    currency.value = v.currency ?? '';
  }
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // fromPost fills the form from the post as saved: its Markdown, or its
  // HTML for a post written as HTML (valid Markdown as it is)
  function fromPost() {
    fill({
      title: post.title,
      summary: post.summary,
      tags: tagNames(post, sentTags),
      markdown: post.markdown || post.body || '',
      publishAt: post.status === 'scheduled' ? localInputValue(post.published) : '',
      price: post.price || 0,
      currency: post.currency || site.currency || 'CNY',
    });
    heading.textContent = id ? `Edit “${post.title}”` : 'Write a post';
    renderPublishing();
  }
  fromPost();
  let saved = values(); // what the server has, to tell unsaved work
  const dirty = () => !same(values(), saved) || cover.changed();

  function renderPublishing() {
    const button = (intent, label, secondary) => h('button', { type: 'submit', name: 'intent', value: intent, class: secondary ? 'secondary' : null }, label);
    const buttons = {
      published: [button('keep', 'Save changes'), button('draft', 'Return to draft', true)],
      scheduled: [button('schedule', 'Save'), button('publish', 'Publish now', true), button('draft', 'Return to draft', true)],
      draft: [button('draft', 'Save draft'), button('publish', 'Publish now')],
    }[post.status] || [];
    const state = !id ? 'Not saved yet.'
      : post.status === 'draft' ? 'Draft: only you can see it.'
        : post.status === 'scheduled' ? `${statusText(post)}. Only you can see it until then.`
          : `${statusText(post)}.`;
    show(publishing,
      h('legend', null, 'Publishing'),
      h('p', { class: 'publishing-state' }, state),
      h('p', { class: 'actions' }, buttons),
      post.status !== 'published' && h('div', { class: 'schedule' },
        field('Schedule for (your local time)', 'published', publishAt,
          post.status === 'scheduled' && 'Change it and save to reschedule.'),
        post.status === 'draft' && h('p', { class: 'actions' }, button('schedule', 'Schedule', true))));
  }

  // The work not saved: kept in the browser a moment after each change,
  // and offered back when the editor opens on it again.
  let keepTimer = null;
  let offering = false; // while a kept copy is offered, it is not replaced
  function keep() {
    clearTimeout(keepTimer);
    if (offering) return;
    if (dirty()) kept.write(values());
    else kept.clear();
  }
  function changed() {
    dirtyNote.textContent = dirty() ? 'Unsaved changes.' : '';
    clearTimeout(keepTimer);
    keepTimer = setTimeout(keep, keepAfter);
  }
  form.addEventListener('input', (e) => {
    if (e.target === markdown) preview.changed();
    changed();
  });
  form.addEventListener('change', changed);

  const offer = kept.read();
  let restore = null;
  if (offer && !same({ ...saved, ...offer.values }, saved)) {
    offering = true;
    restore = h('section', { class: 'restore', 'aria-label': 'Unsaved changes' },
      h('p', null, `Restore unsaved changes from ${formatDateTime(offer.savedAt)}?`),
      h('p', { class: 'actions' },
        h('button', {
          type: 'button',
          onclick: () => {
            offering = false;
            fill({ ...saved, ...offer.values });
            restore.remove();
            preview.refresh();
            changed();
            markdown.focus();
            say('Your unsaved changes are back.');
          },
        }, 'Restore'),
        h('button', {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            offering = false;
            kept.clear();
            restore.remove();
            keep(); // what was typed meanwhile
            title.focus();
          },
        }, 'Discard')));
  } else if (offer) {
    kept.clear(); // nothing the server does not have
  }

  // errors: each field the server named shows its message next to it,
  // the rest above the buttons
  function showErrors(err, lead = '') {
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    alert.textContent = '';
    if (!err) return;
    const rest = [];
    let first = null;
    for (const [name, e] of Object.entries(err.response?.data || {})) {
      // the routes name a blank body "body"; the writer edits it as Markdown
      const control = form.elements.namedItem(name === 'body' ? 'markdown' : name);
      const place = control instanceof HTMLElement && form.querySelector(`#${control.id}-error`);
      const message = e?.message || String(e);
      if (!place) {
        rest.push(`${name}: ${message}`);
        continue;
      }
      place.textContent = message;
      control.setAttribute('aria-invalid', 'true');
      if (!control.getAttribute('aria-describedby')?.includes(place.id)) {
        control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), place.id].filter(Boolean).join(' '));
      }
      first = first || control;
    }
    const summary = first && rest.length === 0 ? 'Not saved: see the marked fields.' : err.response?.message || err.message || 'Something went wrong.';
    alert.textContent = [lead, summary, ...rest].filter(Boolean).join(' ');
    first?.focus();
  }
  const fieldError = (name, message) => ({ response: { message: 'The post was not saved.', data: { [name]: { message } } } });

  // save writes the post through the post route (its Markdown becomes the
  // body there), then the cover, and goes where the intent leads: a
  // draft stays in the editor, a published post opens, a scheduled one
  // shows in the writer's list.
  let saving = false;
  async function save(intent) {
    if (saving) return;
    showErrors(null);
    if (images.uploading()) {
      alert.textContent = 'Wait until the images are uploaded, then save again.';
      return;
    }
    // a tag typed and not added yet goes with the post, if it can
    if (!tags.commit()) {
      alert.textContent = 'Not saved: see the marked fields.';
      return;
    }
    const v = values();
    const body = { title: v.title, summary: v.summary, tags: v.tags, markdown: v.markdown };
    if (site.payments) Object.assign(body, { price: Number(v.price || 0), currency: v.currency.trim() });
    if (intent === 'draft') {
      body.status = 'draft';
      // a schedule called off leaves no date behind
      if (post.status === 'scheduled') body.published = '';
    }
    if (intent === 'publish') {
      body.status = 'published';
      // the server dates a post published now (by its clock, not this
      // browser's): a scheduled post's date is replaced, a future one
      // left on a draft is cleared, a past one (a post published
      // before) is kept
      if (post.status !== 'scheduled' && isFuture(post.published)) body.published = '';
    }
    if (intent === 'schedule') {
      const at = v.publishAt ? new Date(v.publishAt) : null;
      if (!at || Number.isNaN(at.getTime())) return showErrors(fieldError('published', 'Choose when to publish the post.'));
      if (at.getTime() <= Date.now()) return showErrors(fieldError('published', 'Choose a time in the future.'));
      body.status = 'scheduled';
      body.published = at.toISOString();
    }

    saving = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const created = !id;
      try {
        post = await pb.send(id ? `/api/blog/posts/${id}` : '/api/blog/posts', { method: id ? 'PATCH' : 'POST', body });
        sentTags = body.tags;
      } catch (err) {
        showErrors(err);
        return;
      }
      if (created) {
        // from now on the editor edits the post it created
        id = post.id;
        kept.clear();
        kept = unsavedWork(user.id, id);
        history.replaceState({}, '', `/write/${id}`);
      }
      kept.clear();
      // the form shows the post as saved (a summary the server made, a
      // schedule dropped), and that is what counts as unchanged
      fromPost();
      saved = values();
      try {
        await cover.save(id);
      } catch (err) {
        showErrors(err, 'The post is saved, but not its cover.');
        changed();
        return;
      }
      if (post.status === 'published') {
        leaveAfterSave(`/posts/${post.slug || post.id}`, created || intent === 'publish' ? 'The post is published.' : 'The post is saved.');
      } else if (post.status === 'scheduled') {
        leaveAfterSave('/write', `The post is scheduled for ${formatDateTime(post.published)}.`);
      } else {
        // a draft stays open where the writer was
        changed();
        say('The draft is saved.');
      }
    } finally {
      saving = false;
      form.removeAttribute('aria-busy');
    }
  }
  function leaveAfterSave(path, message) {
    say(message);
    // Back from there goes to the writer's list, not to a form that
    // would create the post again
    history.replaceState({}, '', '/write');
    navigate(path);
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save(e.submitter?.value || (post.status === 'published' ? 'keep' : post.status));
  });

  // leaving with unsaved work asks first, in the app and out of it
  const unguard = guardLeaving(() => saving || !dirty()
    || confirm('Leave the editor? Your changes are not saved (this browser keeps a copy for the next time you open it).'));
  const beforeUnload = (e) => {
    if (!dirty()) return;
    keep();
    e.preventDefault();
    e.returnValue = '';
  };
  window.addEventListener('beforeunload', beforeUnload);

  show(view, heading, restore, form);
  view.classList.add('editor-page');
  preview.refresh();
  if (!id && !restore) title.focus();

  return () => {
    unguard();
    window.removeEventListener('beforeunload', beforeUnload);
    clearTimeout(keepTimer);
    preview.stop();
  };
}

// tagNames is the names of a post's tags as saved (an existing tag as
// it is spelled); sent, the names just saved, stand in for an answer that
// does not name them.
function tagNames(post, sent) {
  if (Array.isArray(post.expand?.tags)) return post.expand.tags.map((t) => t.name);
  if (Array.isArray(post.tags) && post.tags.length === 0) return [];
  return sent || [];
}

function isFuture(value) {
  const at = value ? new Date(String(value).replace(' ', 'T')) : null;
  return Boolean(at) && at.getTime() > Date.now();
}

// localInputValue is a date as a datetime-local input shows it: the
// reader's own time, to the minute.
function localInputValue(value) {
  const at = value ? new Date(String(value).replace(' ', 'T')) : null;
  if (!at || Number.isNaN(at.getTime())) return '';
  const two = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
}
