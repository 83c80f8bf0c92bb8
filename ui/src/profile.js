// One's own profile: what others see (avatar, name, username, bio), how
// one signs in (password, email, phone), one's sessions, and how much one
// has written. Everything goes through PocketBase's own users API but the
// phone, which takes a texted code (POST /api/blog/me/phone).
import { pb, me } from './api.js';
import { h, show, errorMessage } from './dom.js';
import { navigate, say } from './nav.js';
import { site } from './boot.js';

const AVATAR_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const AVATAR_MAX = 5 << 20;

export async function profilePage(view) {
  if (!me()) {
    navigate(`/login?next=${encodeURIComponent('/profile')}`, { replace: true });
    return;
  }
  const { record, stats } = await pb.send('/api/blog/me', { cache: 'no-store' });
  show(view,
    h('h1', null, 'Your profile'),
    statsSection(record, stats),
    profileSection(record),
    passwordSection(record),
    emailSection(record),
    phoneSection(record),
    sessionsSection());
}

// section is a titled part of the page, named by its heading.
function section(name, title, ...children) {
  const id = `section-${name}`;
  return h('section', { class: 'profile-section', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

// field is a labelled control with the place for its error right under
// it; attrs.hint adds a line of help, read with the control.
function field(label, name, { control = 'input', hint, ...attrs } = {}) {
  const id = `profile-${name}`;
  const described = hint ? `${id}-hint` : null;
  return h('p', { class: 'field' },
    h('label', { for: id }, label),
    h(control, { id, name, 'aria-describedby': described, ...attrs }),
    hint && h('span', { class: 'hint muted', id: described }, hint),
    h('span', { class: 'field-error error', id: `${id}-error`, role: 'alert' }));
}

// showErrors shows a failed request in form: each message the server gave
// for a field next to that field (marked invalid, described by it; the
// first takes the focus), anything else in the form's alert.
function showErrors(form, alert, err) {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const hint = form.querySelector(`#${el.id}-hint`);
    if (hint) el.setAttribute('aria-describedby', hint.id);
    else el.removeAttribute('aria-describedby');
  }
  alert.textContent = '';
  if (!err) return;
  let first = null;
  const elsewhere = [];
  for (const [name, e] of Object.entries(err?.response?.data || {})) {
    const message = e?.message || String(e);
    if (fieldError(form, name, message)) first = first || form.elements.namedItem(name);
    else elsewhere.push(`${name}: ${message}`);
  }
  if (!first || elsewhere.length) {
    alert.textContent = elsewhere.length ? `${err?.response?.message || errorMessage(err)} ${elsewhere.join('; ')}` : errorMessage(err);
  }
  first?.focus();
}

// fieldError puts message next to the form's field name, if it has one.
function fieldError(form, name, message) {
  const input = form.elements.namedItem(name);
  const slot = input instanceof HTMLElement && form.querySelector(`#${input.id}-error`);
  if (!slot) return false;
  slot.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [slot.id, form.querySelector(`#${input.id}-hint`)?.id].filter(Boolean).join(' '));
  return true;
}

// busy disables a form's buttons while its request runs.
async function busy(form, work) {
  const buttons = [...form.querySelectorAll('button')].filter((b) => !b.disabled);
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await work();
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function statsSection(record, stats) {
  const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  return section('stats', 'Your writing',
    h('ul', { class: 'stats' },
      h('li', null, h('strong', null, count(stats.posts, 'post', 'posts')), ' (drafts and scheduled included)'),
      h('li', null, h('strong', null, count(stats.drafts, 'draft', 'drafts'))),
      h('li', null, h('strong', null, `${stats.scheduled ?? 0} scheduled`)),
      h('li', null, h('strong', null, count(stats.comments, 'comment', 'comments')))),
    h('p', null,
      h('a', { href: '/write' }, 'My posts'), ' · ',
      h('a', { href: `/authors/${encodeURIComponent(record.username)}` }, 'My public page')));
}

// profileSection edits what readers see of the user. The avatar preview
// is a data: URL, which the pages' Content-Security-Policy allows (blob:
// URLs it does not).
function profileSection(record) {
  let current = record;
  let chosen = null; // a new avatar file
  let removing = false;
  const error = h('p', { role: 'alert', class: 'error' });
  const preview = h('span', { class: 'avatar-preview' });
  const remove = h('button', { type: 'button', class: 'link' }, 'Remove avatar');

  const showAvatar = (src) => {
    show(preview, src
      ? h('img', { src, alt: 'Your avatar', width: 96, height: 96 })
      : h('span', { class: 'avatar-none muted' }, 'No avatar'));
    remove.hidden = !src;
  };
  const savedAvatar = () => (current.avatar ? pb.files.getURL(current, current.avatar, { thumb: '100x100' }) : '');
  showAvatar(savedAvatar());

  const form = h('form', { class: 'stack', novalidate: true },
    h('div', { class: 'avatar-row' }, preview,
      h('div', { class: 'avatar-controls' },
        field('Avatar', 'avatar', { type: 'file', accept: AVATAR_TYPES.join(','), hint: 'JPEG, PNG, GIF or WebP, up to 5 MB.' }),
        h('p', null, remove))),
    field('Name', 'name', { maxlength: 100, autocomplete: 'name', value: record.name || '' }),
    field('Username', 'username', {
      required: true, minlength: 3, maxlength: 32, autocomplete: 'username', value: record.username,
      hint: '3–32 of a–z, 0–9 and _; it is in the address of your public page.',
    }),
    field('Bio', 'bio', { control: 'textarea', maxlength: 500, rows: 4, hint: 'Up to 500 characters.' }),
    h('p', null, h('button', { type: 'submit' }, 'Save profile')),
    error);
  form.elements.namedItem('bio').value = record.bio || '';
  const avatarInput = form.elements.namedItem('avatar');

  avatarInput.addEventListener('change', () => {
    showErrors(form, error, null);
    const file = avatarInput.files[0];
    chosen = null;
    if (!file) {
      showAvatar(removing ? '' : savedAvatar());
      return;
    }
    if (!AVATAR_TYPES.includes(file.type) || file.size > AVATAR_MAX) {
      avatarInput.value = '';
      fieldError(form, 'avatar', 'Choose a JPEG, PNG, GIF or WebP image of at most 5 MB.');
      return;
    }
    chosen = file;
    removing = false;
    const reader = new FileReader();
    reader.addEventListener('load', () => { if (chosen === file) showAvatar(reader.result); });
    reader.readAsDataURL(file);
  });
  remove.addEventListener('click', () => {
    chosen = null;
    removing = true;
    avatarInput.value = '';
    showAvatar('');
    say('The avatar goes when you save.');
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showErrors(form, error, null);
    busy(form, async () => {
      const fields = {};
      for (const name of ['name', 'username', 'bio']) fields[name] = form.elements.namedItem(name).value;
      if (removing) fields.avatar = null;
      // with a file, the fields go as PocketBase's @jsonPayload: plain
      // multipart fields would have their line breaks turned into CRLF
      let data = fields;
      if (chosen) {
        data = new FormData();
        data.append('@jsonPayload', JSON.stringify(fields));
        data.append('avatar', chosen);
      }
      try {
        // the SDK keeps the session's record in step (the header's name)
        current = await pb.collection('users').update(current.id, data);
        chosen = null;
        removing = false;
        avatarInput.value = '';
        showAvatar(savedAvatar());
        say('Your profile is saved.');
      } catch (err) {
        showErrors(form, error, err);
      }
    });
  });
  return section('public', 'What readers see', form);
}

// mailNote says why mail cannot be sent, when the server says it cannot
// (site.mail false); unknown (undefined) lets the request tell.
function mailNote() {
  return site.mail === false
    ? h('p', { class: 'notice' }, 'This blog cannot send mail: no mail server is set up. Changing your email and resetting your password by mail are not available until its administrator sets one up.')
    : null;
}

// mailFailed turns a failed mail request into a sentence that says what
// did not happen, with the server's own words.
function mailFailed(what, err) {
  const known = site.mail === true ? '' : ' The blog may have no way to send mail; ask its administrator.';
  return `${what} could not be sent: ${errorMessage(err)}${err?.status === 400 && !Object.keys(err?.response?.data || {}).length ? known : ''}`;
}

function passwordSection(record) {
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'stack' },
    field('Current password', 'oldPassword', { type: 'password', required: true, autocomplete: 'current-password' }),
    field('New password', 'password', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password', hint: 'At least 8 characters.' }),
    field('Repeat the new password', 'passwordConfirm', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }),
    h('p', null, h('button', { type: 'submit' }, 'Change password')),
    error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showErrors(form, error, null);
    const data = Object.fromEntries(new FormData(form));
    if (data.password !== data.passwordConfirm) {
      fieldError(form, 'passwordConfirm', 'The two new passwords differ.');
      form.elements.namedItem('passwordConfirm').focus();
      return;
    }
    busy(form, async () => {
      let changed;
      try {
        changed = await pb.collection('users').update(record.id, data);
      } catch (err) {
        showErrors(form, error, err);
        return;
      }
      // a new password ends every session, this one too: sign in again
      // with it, so that this one goes on
      try {
        await pb.collection('users').authWithPassword(changed.username, data.password);
        form.reset();
        say('Your password is changed. Other devices must log in again.');
      } catch {
        pb.authStore.clear();
        navigate(`/login?next=${encodeURIComponent('/profile')}`);
      }
    });
  });

  const resetError = h('p', { role: 'alert', class: 'error' });
  const reset = h('button', { type: 'button', class: 'link', disabled: site.mail === false || !record.email }, 'Email me a link to reset my password');
  reset.addEventListener('click', async () => {
    resetError.textContent = '';
    reset.disabled = true;
    try {
      await pb.collection('users').requestPasswordReset(record.email);
      say(`A link to reset your password is on its way to ${record.email}.`);
    } catch (err) {
      resetError.textContent = mailFailed('The reset link', err);
    } finally {
      reset.disabled = false;
    }
  });
  return section('password', 'Password', form,
    h('p', { class: 'muted' }, 'Forgot it, or signed up with a code by SMS? ',
      record.email ? reset : 'Add an email below to reset it by mail.'),
    resetError);
}

function emailSection(record) {
  const error = h('p', { role: 'alert', class: 'error' });
  const unavailable = site.mail === false;
  const form = h('form', { class: 'stack' },
    field('New email', 'newEmail', { type: 'email', required: true, autocomplete: 'email', disabled: unavailable }),
    h('p', null, h('button', { type: 'submit', disabled: unavailable }, 'Send a confirmation link')),
    error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showErrors(form, error, null);
    const newEmail = form.elements.namedItem('newEmail').value;
    busy(form, async () => {
      try {
        await pb.collection('users').requestEmailChange(newEmail);
        form.reset();
        say(`A confirmation link is on its way to ${newEmail}.`);
        error.textContent = '';
      } catch (err) {
        if (Object.keys(err?.response?.data || {}).length) showErrors(form, error, err);
        else error.textContent = mailFailed('The confirmation link', err);
      }
    });
  });
  return section('email', 'Email',
    h('p', null, record.email ? ['Your email is ', h('strong', null, record.email), '.'] : 'Your account has no email yet.'),
    h('p', { class: 'muted' }, 'A new email takes effect once you open the link sent to it.'),
    mailNote(),
    form);
}

// phoneSection binds a phone, or changes it, with a code texted to it.
function phoneSection(record) {
  const error = h('p', { role: 'alert', class: 'error' });
  const current = h('p');
  const showCurrent = (phone) => show(current, phone ? ['Your phone number is ', h('strong', null, phone), '.'] : 'No phone number yet.');
  showCurrent(record.phone);

  const codeField = field('Code', 'code', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, hint: 'The 6 digits texted to you; valid 5 minutes.' });
  const bind = h('button', { type: 'submit' }, 'Save this number');
  codeField.hidden = true;
  bind.hidden = true;
  const sendCode = h('button', { type: 'button' }, 'Send me a code');
  const form = h('form', { class: 'stack' },
    field('Phone number', 'phone', { type: 'tel', autocomplete: 'tel', required: true }),
    h('p', null, sendCode), codeField, h('p', null, bind), error);
  const phoneInput = form.elements.namedItem('phone');
  const codeInput = form.elements.namedItem('code');

  sendCode.addEventListener('click', () => {
    showErrors(form, error, null);
    busy(form, async () => {
      try {
        await pb.send('/api/blog/sms/code', { method: 'POST', body: { phone: phoneInput.value } });
        codeField.hidden = false;
        bind.hidden = false;
        sendCode.textContent = 'Send a new code';
        codeInput.focus();
        say('A code is on its way.');
      } catch (err) {
        showErrors(form, error, err);
      }
    });
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (codeField.hidden) {
      sendCode.click(); // Enter in the phone field asks for the code
      return;
    }
    showErrors(form, error, null);
    busy(form, async () => {
      try {
        const answer = await pb.send('/api/blog/me/phone', { method: 'POST', body: { phone: phoneInput.value, code: codeInput.value } });
        showCurrent(answer.record.phone);
        form.reset();
        codeField.hidden = true;
        bind.hidden = true;
        sendCode.textContent = 'Send me a code';
        say('Your phone number is saved.');
      } catch (err) {
        if (err?.status === 409) {
          fieldError(form, 'phone', 'This number belongs to another account.');
          phoneInput.focus();
        } else {
          showErrors(form, error, err);
        }
      }
    });
  });
  return section('phone', 'Phone',
    current,
    h('p', { class: 'muted' }, 'Log in with it, by password or by a code by SMS. Only you see it.'),
    form);
}

function sessionsSection() {
  const error = h('p', { role: 'alert', class: 'error' });
  const button = h('button', { type: 'button', class: 'danger' }, 'Log out everywhere');
  button.addEventListener('click', async () => {
    error.textContent = '';
    button.disabled = true;
    try {
      await pb.send('/api/blog/auth/logout-all', { method: 'POST' });
    } catch (err) {
      if (err?.status !== 401) { // a session already ended has nothing left to end
        error.textContent = errorMessage(err);
        button.disabled = false;
        return;
      }
    }
    navigate('/');
    pb.authStore.clear();
    say('You are logged out everywhere.');
  });
  return section('sessions', 'Sessions',
    h('p', { class: 'muted' }, 'Ends every session of your account, on every device and in every browser, this one included.'),
    h('p', null, button),
    error);
}
