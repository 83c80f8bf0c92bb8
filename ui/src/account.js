// Logging in (email, username or phone with a password, or a code texted
// to the phone) and signing up.
import { pb, me } from './api.js';
import { h, show, errorMessage, formError } from './dom.js';
import { navigate, say } from './nav.js';
import { site } from './boot.js';

// next is where to go after logging in: a page of this app only.
function next(search) {
  try {
    const to = new URL(search.get('next') || '/', location.origin);
    return to.origin === location.origin ? to.pathname + to.search : '/';
  } catch {
    return '/';
  }
}

function field(label, attrs) {
  const id = `field-${attrs.name}`;
  return h('p', { class: 'field' }, h('label', { for: id }, label), h('input', { id, ...attrs }));
}

export async function loginPage(view, _params, search) {
  if (me()) {
    navigate(next(search), { replace: true });
    return;
  }
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'stack', 'aria-labelledby': 'login-heading' },
    field('Email, username or phone', { name: 'identity', required: true, autocomplete: 'username' }),
    field('Password', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
    h('p', null, h('button', { type: 'submit' }, 'Log in')),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      await pb.collection('users').authWithPassword(data.get('identity'), data.get('password'));
      say('You are logged in.');
      navigate(next(search), { replace: true });
    } catch (err) {
      error.textContent = err.status === 400 ? 'Wrong identity or password.' : errorMessage(err);
    }
  });

  show(view,
    h('h1', { id: 'login-heading' }, 'Log in'),
    form,
    h('h2', null, 'Or with a code by SMS'),
    phoneForm(search),
    h('h2', null, 'Forgot your password?'),
    resetForm(),
    h('p', null, 'New here? ', h('a', { href: '/signup' }, 'Sign up'), '.'));
}

// resetForm asks PocketBase to mail a link that sets a new password (its
// own flow: the link opens its confirmation page). The answer is the same
// whether or not an account has the address, as PocketBase's is. Without
// a mail server the blog says so instead of offering it.
function resetForm() {
  if (site.mail === false) {
    return h('p', { class: 'muted' }, 'This blog cannot send mail, so a password cannot be reset by mail here: sign in with a code by SMS if your account has a phone, or ask the blog\'s administrator.');
  }
  const error = h('p', { role: 'alert', class: 'error' });
  const send = h('button', { type: 'submit', class: 'secondary' }, 'Email me a reset link');
  const form = h('form', { class: 'stack' },
    field('Your account\'s email', { name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    h('p', null, send), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const email = new FormData(form).get('email');
    send.disabled = true;
    try {
      await pb.collection('users').requestPasswordReset(email);
      say(`If an account uses ${email}, a link to reset its password is on its way.`);
      form.reset();
    } catch (err) {
      error.textContent = errorMessage(err);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

// phoneForm asks for a code for a phone, then signs in with it (a new
// phone gets a new account).
function phoneForm(search) {
  const error = h('p', { role: 'alert', class: 'error' });
  const codeField = field('Code', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' });
  const signIn = h('button', { type: 'submit' }, 'Sign in with the code');
  codeField.hidden = true;
  signIn.hidden = true;
  const send = h('button', { type: 'button' }, 'Send me a code');
  const form = h('form', { class: 'stack' },
    field('Phone number', { name: 'phone', type: 'tel', autocomplete: 'tel', required: true }),
    h('p', null, send), codeField, h('p', null, signIn), error);

  send.addEventListener('click', async () => {
    error.textContent = '';
    try {
      await pb.send('/api/blog/sms/code', { method: 'POST', body: { phone: new FormData(form).get('phone') } });
      codeField.hidden = false;
      signIn.hidden = false;
      codeField.querySelector('input').focus();
      say('A code is on its way.');
    } catch (err) {
      error.textContent = errorMessage(err);
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (codeField.hidden) {
      // Enter in the phone field asks for the code
      send.click();
      return;
    }
    const data = new FormData(form);
    try {
      const auth = await pb.send('/api/blog/auth/phone', { method: 'POST', body: { phone: data.get('phone'), code: data.get('code') } });
      pb.authStore.save(auth.token, auth.record);
      say('You are logged in.');
      navigate(next(search), { replace: true });
    } catch (err) {
      error.textContent = errorMessage(err);
    }
  });
  return form;
}

export async function signupPage(view) {
  if (me()) {
    navigate('/write', { replace: true });
    return;
  }
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { class: 'stack' },
    field('Username (3–32 of a–z, 0–9, _)', { name: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[a-z0-9_]+', autocomplete: 'username' }),
    field('Name', { name: 'name', maxlength: 100, autocomplete: 'name' }),
    field('Email', { name: 'email', type: 'email', required: true, autocomplete: 'email' }),
    field('Password (at least 8 characters)', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }),
    h('p', null, h('button', { type: 'submit' }, 'Sign up')),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await pb.collection('users').create({ ...data, passwordConfirm: data.password });
      await pb.collection('users').authWithPassword(data.username, data.password);
      say('Welcome! Your account is ready.');
      navigate('/write', { replace: true });
    } catch (err) {
      formError(form, error, err);
    }
  });
  show(view, h('h1', null, 'Sign up'), form, h('p', null, 'Have an account? ', h('a', { href: '/login' }, 'Log in'), '.'));
}
