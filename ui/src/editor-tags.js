// The editor's tags: the chosen ones as chips, each removable, and a box
// that adds one on Enter or a comma, suggesting the blog's tags as the
// writer types (the most used ones when the box is empty). A post has at
// most ten; a name is 1 to 50 characters, spaces around it left out, and
// names that differ only in case, in width (ＧＯ and GO) or in the spaces
// between their words are the same tag, as the server counts them.
import { pb, listTags } from './api.js';
import { h, show } from './dom.js';

export const maxTags = 10;
const maxLength = 50;
// the pause in typing after which suggestions are asked for
const pause = 150;
const key = (name) => name.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');

// tagChooser returns the field's element, and names()/set(names) to read
// and fill the chosen names; changed is called after the writer changed
// them. commit() adds what is typed in the box and not added yet, and
// tells whether that worked (saving does it first).
export function tagChooser({ changed }) {
  let chosen = [];
  const chips = h('ul', { class: 'tag-choices', 'aria-label': 'Chosen tags' });
  const input = h('input', {
    id: 'post-tags', name: 'tags', type: 'text', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'enter',
    role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'post-tags-list',
    'aria-describedby': 'post-tags-hint post-tags-note',
  });
  const list = h('ul', { id: 'post-tags-list', class: 'tag-suggestions', role: 'listbox', 'aria-label': 'Suggested tags', hidden: true });
  // what the box says of itself (full, or a name there already), read out
  // when it changes
  const note = h('span', { class: 'hint muted', id: 'post-tags-note', 'aria-live': 'polite' });
  const error = h('span', { class: 'error field-error', id: 'post-tags-error' });
  // what screen readers hear when a tag comes or goes
  const live = h('span', { class: 'visually-hidden', role: 'status' });
  const element = h('div', { class: 'field tags-field' },
    h('label', { for: 'post-tags' }, 'Tags'),
    chips,
    h('div', { class: 'tag-combo' }, input, list),
    h('span', { class: 'hint muted', id: 'post-tags-hint' }, `Up to ${maxTags}. Press Enter or type a comma after each one.`),
    note,
    error,
    live);

  const full = () => chosen.length >= maxTags;

  // lock makes the box read-only while the post has its ten tags: it
  // keeps the focus, so that typing on and pressing Enter does nothing
  // (rather than landing on a chip's remove button). A name left in it
  // that could not be added can still be edited away.
  function lock() {
    input.readOnly = full() && input.value === '';
  }

  function render() {
    show(chips, chosen.map((name) => h('li', null,
      h('span', { class: 'tag' }, name,
        h('button', { type: 'button', class: 'remove-tag', 'aria-label': `Remove tag ${name}`, onclick: () => remove(name) }, '×')))));
    note.textContent = full() ? fullNote : '';
    if (full()) close();
    lock();
  }
  const fullNote = `A post has at most ${maxTags} tags: remove one to add another.`;

  function problem(text) {
    error.textContent = text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  // add adds a name, or says why not; it tells whether the name was
  // added (or was there already)
  function add(raw) {
    const name = raw.trim();
    if (!name) return true;
    if ([...name].length > maxLength) {
      problem(`A tag is at most ${maxLength} characters: “${shorten(name)}” has ${[...name].length}.`);
      return false;
    }
    if (chosen.some((c) => key(c) === key(name))) {
      problem('');
      note.textContent = `“${shorten(name)}” is a tag of this post already.`;
      return true;
    }
    if (full()) {
      problem(`A post has at most ${maxTags} tags: “${shorten(name)}” was not added.`);
      return false;
    }
    // an existing tag is shown as it is spelled
    const known = [...suggested, ...(popular || [])].find((t) => key(t.name) === key(name));
    chosen.push(known ? known.name : name);
    problem('');
    live.textContent = `Tag ${chosen.at(-1)} added.`;
    render();
    changed();
    return true;
  }

  function remove(name) {
    chosen = chosen.filter((c) => c !== name);
    problem('');
    live.textContent = `Tag ${name} removed.`;
    render();
    changed();
    input.focus();
  }

  // commit adds the names typed in the box (a comma separates them) and
  // keeps in it the one that could not be added
  function commit() {
    const parts = input.value.split(/[,，]/);
    for (let i = 0; i < parts.length; i += 1) {
      if (!add(parts[i])) {
        input.value = parts.slice(i).join(',').trim();
        return false;
      }
    }
    input.value = '';
    lock();
    return true;
  }

  // Suggestions: a list box under the box, walked with the arrow keys,
  // the active one chosen with Enter or a click.
  let suggested = []; // the options shown, {name}
  let active = -1;
  let popular = null; // the most used tags, read once
  let timer = null;
  let asked = 0; // answers to older requests than the last are dropped

  function open(tags) {
    // the option the writer moved to stays active when it is still there
    const was = !list.hidden && active >= 0 ? key(suggested[active].name) : null;
    suggested = tags.filter((t) => !chosen.some((c) => key(c) === key(t.name)));
    active = -1;
    input.removeAttribute('aria-activedescendant');
    show(list, suggested.map((tag, i) => h('li', {
      id: `post-tags-option-${i}`,
      role: 'option',
      'aria-selected': 'false',
      // the box keeps the focus while an option is clicked
      onmousedown: (e) => e.preventDefault(),
      onclick: () => pick(i),
    }, tag.name)));
    const shown = suggested.length > 0 && !full() && document.activeElement === input;
    list.hidden = !shown;
    input.setAttribute('aria-expanded', String(shown));
    const again = shown && was !== null ? suggested.findIndex((t) => key(t.name) === was) : -1;
    if (again >= 0) move(again);
  }

  function close() {
    clearTimeout(timer);
    asked += 1;
    list.hidden = true;
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function move(to) {
    if (list.hidden || suggested.length === 0) return;
    active = (to + suggested.length) % suggested.length;
    list.querySelectorAll('[role="option"]').forEach((el, i) => el.setAttribute('aria-selected', String(i === active)));
    const el = list.children[active];
    input.setAttribute('aria-activedescendant', el.id);
    el.scrollIntoView({ block: 'nearest' });
  }

  function pick(i) {
    const tag = suggested[i];
    if (!tag) return;
    close();
    input.value = '';
    add(tag.name);
    lock();
    if (!full()) {
      input.focus();
      suggest();
    }
  }

  // suggest shows, for what is typed, the tags whose names hold it, and
  // for an empty box the most used ones
  async function suggest() {
    clearTimeout(timer);
    const ticket = ++asked;
    if (full()) return;
    const q = input.value.trim();
    let tags = [];
    try {
      if (!q) {
        if (!popular) popular = (await listTags({ perPage: 20 })).items || [];
        tags = popular;
      } else {
        tags = (await pb.collection('tags').getList(1, 8, { filter: pb.filter('name ~ {:q}', { q }), sort: 'name' })).items;
      }
    } catch {
      tags = []; // no suggestions: typing a name still works
    }
    if (ticket !== asked) return;
    open(tags);
  }

  input.addEventListener('input', (e) => {
    problem('');
    note.textContent = '';
    // a comma typed or pasted ends a name (not while an input method is
    // still composing the text)
    if (!e.isComposing && /[,，]/.test(input.value)) {
      const parts = input.value.split(/[,，]/);
      const rest = parts.pop();
      input.value = parts.join(',');
      if (commit()) input.value = rest.trimStart();
    }
    // what is shown already narrows at once to what is typed; the
    // server's suggestions follow
    if (!list.hidden) open(suggested.filter((t) => key(t.name).includes(key(input.value))));
    clearTimeout(timer);
    timer = setTimeout(suggest, pause);
    // a name that could not be added, typed away: the full box locks
    if (full()) {
      lock();
      if (input.readOnly) note.textContent = fullNote;
    }
  });
  input.addEventListener('focus', () => {
    if (!input.value.trim() && !full()) suggest();
  });
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (e) => {
    if (e.isComposing) return; // an input method's Enter confirms its text
    if (input.readOnly) {
      // typing on in the full box: it says again why nothing happens
      if (e.key === 'Enter') e.preventDefault();
      if ((e.key === 'Enter' || [...e.key].length === 1) && !e.ctrlKey && !e.metaKey && !e.altKey) {
        note.textContent = '';
        setTimeout(() => { if (input.readOnly) note.textContent = fullNote; }, 50);
      }
      return;
    }
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) {
        suggest();
        return;
      }
      move(e.key === 'ArrowDown' ? active + 1 : (active < 0 ? -1 : active - 1));
    } else if (e.key === 'Enter') {
      // Enter adds a tag here; it does not save the post
      e.preventDefault();
      if (active >= 0 && !list.hidden) pick(active);
      else if (commit()) {
        close();
        suggest();
      }
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.preventDefault();
        close();
      }
    }
  });

  render();
  return {
    element,
    names: () => [...chosen],
    set(names) {
      chosen = [];
      for (const name of names || []) {
        if (!chosen.some((c) => key(c) === key(name))) chosen.push(name);
      }
      input.value = '';
      problem('');
      render();
    },
    commit() {
      if (!input.value.trim()) return true;
      const done = commit();
      if (done) changed();
      else input.focus();
      return done;
    },
  };
}

function shorten(name) {
  const chars = [...name];
  return chars.length > 20 ? `${chars.slice(0, 20).join('')}…` : name;
}
