// Images in the editor: those of the body, uploaded into postImages from a
// button, a paste or a drop and written into the Markdown where the cursor
// is; and the post's cover.
import { pb } from './api.js';
import { h, errorMessage } from './dom.js';

const imageTypes = 'image/jpeg,image/png,image/webp,image/gif';

// bodyImages lets the writer add images to the Markdown in textarea.
// postId() is the post being edited, if it exists yet (an image uploaded
// for a post not created yet belongs to no post until it is saved);
// changed is called after the text changed.
export function bodyImages(textarea, { postId, changed }) {
  const error = h('p', { role: 'alert', class: 'error' });
  const picker = h('input', { type: 'file', accept: imageTypes, multiple: true, hidden: true, 'aria-label': 'Images to add' });
  const button = h('button', { type: 'button', class: 'secondary', onclick: () => picker.click() }, 'Add image');
  let pending = 0;
  let placeholders = 0;

  picker.addEventListener('change', () => {
    uploadAll([...picker.files]);
    picker.value = '';
  });
  textarea.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files || [])].filter((f) => f.type.startsWith('image/'));
    if (files.length === 0) return; // text is pasted as usual
    e.preventDefault();
    uploadAll(files);
  });
  textarea.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  textarea.addEventListener('drop', (e) => {
    const files = [...(e.dataTransfer?.files || [])];
    if (files.length === 0) return;
    e.preventDefault();
    textarea.focus();
    uploadAll(files);
  });

  function uploadAll(files) {
    error.textContent = '';
    for (const file of files) upload(file);
  }

  // upload writes a placeholder where the cursor is, then the image's
  // Markdown in its place once the server has the file, or nothing and
  // the reason when it refused it.
  async function upload(file) {
    pending += 1;
    placeholders += 1;
    const placeholder = insertAtCursor(textarea, `![Uploading ${markdownText(file.name)} (${placeholders})…]()`);
    changed();
    let markdown = '';
    try {
      const data = new FormData();
      data.append('file', file);
      if (postId()) data.append('post', postId());
      const image = await pb.collection('postImages').create(data);
      const alt = markdownText(file.name.replace(/\.[^.]*$/, '')) || 'image';
      const url = `/api/files/postImages/${image.id}/${encodeURIComponent(image.file)}`;
      markdown = placeholder.replace(/!\[.*\]\(\)/, () => `![${alt}](${url})`);
    } catch (err) {
      error.textContent = `${file.name || 'The image'} was not added: ${errorMessage(err)}`;
    } finally {
      pending -= 1;
    }
    replaceText(textarea, placeholder, markdown);
    changed();
  }

  return {
    element: h('div', { class: 'body-images' }, button, picker, error),
    uploading: () => pending > 0,
  };
}

// markdownText is a file name made safe for the alt text of an image.
function markdownText(name) {
  return name.replace(/[[\]\\\n\r]/g, ' ').trim();
}

// insertAtCursor puts an image in a paragraph of its own at the cursor
// and answers what it inserted, the line breaks around it included.
function insertAtCursor(textarea, image) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const lead = value.slice(0, start);
  const rest = value.slice(end);
  const before = !lead || lead.endsWith('\n\n') ? '' : lead.endsWith('\n') ? '\n' : '\n\n';
  const after = !rest || rest.startsWith('\n\n') ? '' : rest.startsWith('\n') ? '\n' : '\n\n';
  const text = before + image + after;
  textarea.setRangeText(text, start, end, 'end');
  return text;
}

// replaceText puts replacement in the place of text, where the writer's
// typing since may have moved it; a cursor after it moves with it.
function replaceText(textarea, text, replacement) {
  const at = textarea.value.indexOf(text);
  if (at < 0) return; // the writer deleted the placeholder
  const moved = (pos) => (pos >= at + text.length ? pos + replacement.length - text.length : Math.min(pos, at + replacement.length));
  const [start, end] = [moved(textarea.selectionStart), moved(textarea.selectionEnd)];
  textarea.setRangeText(replacement, at, at + text.length);
  textarea.setSelectionRange(start, end);
}

// coverField shows the post's cover and lets the writer choose, replace
// or remove it; changed is called after each choice. The cover is a file
// of the post record, written with the collections API once the post
// exists (save).
export function coverField(post, { changed }) {
  const coverUrl = (record) => (record.cover ? `/api/files/posts/${record.id}/${encodeURIComponent(record.cover)}?thumb=480x270` : '');
  let current = coverUrl(post);
  let choice; // undefined: unchanged; a File: the new cover; null: removed
  let chosenUrl = ''; // the chosen file as a data: address (the pages' policy allows no blob:)

  const image = h('img', { class: 'cover-preview', alt: 'The cover' });
  const input = h('input', { type: 'file', id: 'post-cover', name: 'cover', accept: imageTypes });
  const remove = h('button', { type: 'button', class: 'secondary' }, 'Remove cover');
  const note = h('p', { class: 'muted' });
  const error = h('p', { class: 'error field-error', id: 'post-cover-error' });

  function render() {
    const src = choice ? chosenUrl : choice === null ? '' : current;
    image.hidden = !src;
    if (src) image.src = src;
    else image.removeAttribute('src');
    remove.hidden = !src;
    note.textContent = choice ? 'The new cover is saved with the post.'
      : choice === null ? 'The cover is removed when the post is saved.' : '';
  }

  input.addEventListener('change', () => {
    error.textContent = '';
    const file = input.files[0];
    if (!file) return;
    const problem = coverProblem(file);
    if (problem) {
      error.textContent = problem;
      input.value = '';
      return;
    }
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      choice = file;
      chosenUrl = reader.result;
      render();
      changed();
    });
    reader.addEventListener('error', () => {
      error.textContent = `${file.name} could not be read.`;
    });
    reader.readAsDataURL(file);
  });
  remove.addEventListener('click', () => {
    choice = current ? null : undefined;
    input.value = '';
    render();
    changed();
  });
  render();

  return {
    element: h('div', { class: 'field cover-field' },
      h('label', { for: 'post-cover' }, 'Cover image (JPEG, PNG, WebP or GIF, up to 10 MB)'),
      image, input, h('p', { class: 'actions' }, remove), note, error),
    changed: () => choice !== undefined,
    // save writes the choice to the post with id; it throws as the SDK does
    async save(id) {
      if (choice === undefined) return;
      const saved = await pb.collection('posts').update(id, { cover: choice });
      choice = undefined;
      input.value = '';
      current = coverUrl(saved);
      render();
    },
  };
}

// coverProblem is what the server would refuse in file, said before the
// post is saved, so that a post and its cover are not saved apart.
function coverProblem(file) {
  if (!imageTypes.split(',').includes(file.type)) return `${file.name} is not a JPEG, PNG, WebP or GIF image.`;
  if (file.size > 10 * 1024 * 1024) return `${file.name} is larger than 10 MB.`;
  return '';
}
