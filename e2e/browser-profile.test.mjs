// The profile page in a real browser (Debian's Chromium, headless, driven
// by playwright-core against a real server serving the committed build):
// editing what readers see, the password, the phone (texts going to a
// local webhook sink), and logging out everywhere. Screenshots go to
// e2e/screenshots/profile-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register } from './server.mjs';
import { startSmsSink } from './sms-sink.mjs';
import { SHOTS, launchBrowser, relaxRateLimits, openPage } from './browser.mjs';

let server;
let browser;
let sink;

before(async () => {
  browser = await launchBrowser();
  sink = await startSmsSink();
  server = await startServer({ env: sink.env });
  // this suite signs up and logs in more a minute than a person does:
  // it is about the page, the limits have their own tests
  await relaxRateLimits(server, ['users:create', '*:auth']);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

// page opens a new browser context (a separate person) on the blog.
function page(viewport) {
  return openPage(browser, server, viewport ? { viewport } : {});
}

// logIn logs a user in through the login form, then opens their profile
// from the header.
async function openProfile(p, username, password = 'password-123') {
  await p.goto('/login?next=/profile');
  await p.getByLabel('Email, username or phone').fill(username);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
}

// codeTo waits for the code texted to phone after the texts counted in from.
async function codeTo(phone, from) {
  return (await sink.textTo(phone, from)).code;
}

// status waits for the live region to announce text.
async function status(p, text) {
  await p.locator('#status', { hasText: text }).waitFor();
}

// pngOf draws a small picture in the page and returns it as PNG bytes.
async function pngOf(p, color) {
  const dataUrl = await p.evaluate((fill) => {
    const canvas = document.createElement('canvas');
    canvas.width = 120;
    canvas.height = 120;
    const g = canvas.getContext('2d');
    g.fillStyle = fill;
    g.fillRect(0, 0, 120, 120);
    g.fillStyle = '#fff';
    g.beginPath();
    g.arc(60, 48, 22, 0, Math.PI * 2);
    g.fill();
    g.fillRect(26, 80, 68, 40);
    return canvas.toDataURL('image/png');
  }, color);
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

test('a user edits name, bio, username, avatar and password on the profile page', async () => {
  const author = await register(server);
  const { id, username } = author.authStore.record;
  await author.send('/api/blog/posts', { method: 'POST', body: { title: 'Out there', body: '<p>Read me.</p>', status: 'published' } });
  await author.send('/api/blog/posts', { method: 'POST', body: { title: 'Not yet', body: '<p>Later.</p>' } });

  const p = await page();
  await p.goto('/login');
  await p.getByLabel('Email, username or phone').fill(username);
  await p.getByLabel('Password').fill('password-123');
  await p.getByRole('button', { name: 'Log in' }).click();
  // from the header
  await p.getByRole('link', { name: 'Profile', exact: true }).click();
  await p.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
  await p.getByText('2 posts', { exact: true }).waitFor();
  await p.getByText('1 draft', { exact: true }).waitFor();
  await p.getByText('0 comments', { exact: true }).waitFor();

  // a username that cannot be: its error is next to it
  await p.getByLabel('Username').fill('Not Valid!');
  await p.getByRole('button', { name: 'Save profile' }).click();
  const usernameError = p.locator('#profile-username-error');
  await usernameError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await p.getByLabel('Username').getAttribute('aria-invalid'), 'true');
  await p.screenshot({ path: `${SHOTS}profile-username-error.png`, fullPage: true });

  // name, bio, username and a new avatar, previewed before saving
  const newName = `Edited ${id}`;
  const newUsername = `edited_${Date.now() % 1e8}`;
  await p.getByLabel('Name', { exact: true }).fill(newName);
  await p.getByLabel('Bio').fill('Trains, mostly.\nAnd tea.');
  await p.getByLabel('Username').fill(newUsername);
  await p.getByLabel('Avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await pngOf(p, '#0b57d0') });
  const preview = p.getByRole('img', { name: 'Your avatar' });
  await preview.waitFor();
  assert.match(await preview.getAttribute('src'), /^data:image\/png;base64,/);
  await p.screenshot({ path: `${SHOTS}profile-avatar-preview.png`, fullPage: true });
  await p.getByRole('button', { name: 'Save profile' }).click();
  await status(p, 'Your profile is saved.');
  assert.equal(await usernameError.textContent(), '');
  assert.match(await preview.getAttribute('src'), new RegExp(`/api/files/[^/]+/${id}/`));
  await p.locator('.who', { hasText: newName }).waitFor();

  const saved = await server.client().collection('users').getOne(id);
  assert.equal(saved.name, newName);
  assert.equal(saved.bio, 'Trains, mostly.\nAnd tea.');
  assert.equal(saved.username, newUsername);
  assert.notEqual(saved.avatar, '');
  // readers see the new avatar
  const avatar = await fetch(`${server.url}/api/files/users/${id}/${saved.avatar}?thumb=100x100`);
  assert.equal(avatar.status, 200);
  await p.screenshot({ path: `${SHOTS}profile-edited.png`, fullPage: true });

  // the avatar removed
  await p.getByRole('button', { name: 'Remove avatar' }).click();
  await p.getByText('No avatar').waitFor();
  await p.getByRole('button', { name: 'Save profile' }).click();
  await status(p, 'Your profile is saved.');
  assert.equal((await server.client().collection('users').getOne(id)).avatar, '');

  // the password: a wrong current one is refused next to its field
  await p.getByLabel('Current password').fill('not-the-password');
  await p.getByLabel('New password', { exact: true }).fill('brand-new-pass-1');
  await p.getByLabel('Repeat the new password').fill('brand-new-pass-1');
  await p.getByRole('button', { name: 'Change password' }).click();
  await p.locator('#profile-oldPassword-error').filter({ hasText: /\S/ }).waitFor();
  await p.getByLabel('Current password').fill('password-123');
  await p.getByRole('button', { name: 'Change password' }).click();
  await status(p, 'Your password is changed.');
  // still signed in, with a session the server takes
  await p.reload();
  await p.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
  await p.getByRole('button', { name: 'Log out', exact: true }).waitFor();
  const token = await p.evaluate(() => JSON.parse(localStorage.getItem('pocketbase_auth')).token);
  const me = await fetch(`${server.url}/api/blog/me`, { headers: { Authorization: token } });
  assert.equal(me.status, 200);
  // the old session of the SDK is over; the new password logs in
  await assert.rejects(author.send('/api/blog/me', {}), (err) => err.status === 401);
  await server.client().collection('users').authWithPassword(newUsername, 'brand-new-pass-1');

  // mail: the page either says the blog sends none, or says what the
  // server answered
  const emailButton = p.getByRole('button', { name: 'Send a confirmation link' });
  if (await p.getByText('This blog cannot send mail').count()) {
    assert.equal(await emailButton.isDisabled(), true);
  } else {
    await p.getByLabel('New email').fill(`new_${newUsername}@example.com`);
    await emailButton.click();
    await p.locator('#status:has-text("A confirmation link is on its way"), .profile-section .error:has-text("could not be sent")').first().waitFor();
  }
  await p.screenshot({ path: `${SHOTS}profile-password-email.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('a user binds a phone on the profile page; another account\'s number is refused', async () => {
  const user = await register(server);
  const owner = await register(server);
  const admin = await server.superuser();
  const taken = '+8613900003002';
  await admin.collection('users').update(owner.authStore.record.id, { phone: taken });

  const p = await page();
  await openProfile(p, user.authStore.record.username);
  await p.getByText('No phone number yet.').waitFor();

  // another account's number: the code is right, the number is not theirs
  let from = sink.texts.length;
  await p.getByLabel('Phone number').fill('139 0000 3002');
  await p.getByRole('button', { name: 'Send me a code' }).click();
  await p.getByLabel('Code', { exact: true }).fill(await codeTo(taken, from));
  await p.getByRole('button', { name: 'Save this number' }).click();
  await p.locator('#profile-phone-error', { hasText: 'This number belongs to another account.' }).waitFor();
  assert.equal(await p.getByLabel('Phone number').getAttribute('aria-invalid'), 'true');
  await p.screenshot({ path: `${SHOTS}profile-phone-taken.png`, fullPage: true });

  // a wrong code is said next to the code
  from = sink.texts.length;
  await p.getByLabel('Phone number').fill('139 0000 3001');
  await p.getByRole('button', { name: 'Send a new code' }).click();
  const code = await codeTo('+8613900003001', from);
  await p.getByLabel('Code', { exact: true }).fill(code === '000000' ? '111111' : '000000');
  await p.getByRole('button', { name: 'Save this number' }).click();
  await p.locator('#profile-code-error').filter({ hasText: /\S/ }).waitFor();

  await p.getByLabel('Code', { exact: true }).fill(code);
  await p.getByRole('button', { name: 'Save this number' }).click();
  await status(p, 'Your phone number is saved.');
  await p.getByText('Your phone number is +8613900003001.').waitFor();
  assert.equal((await admin.collection('users').getOne(user.authStore.record.id)).phone, '+8613900003001');
  await p.screenshot({ path: `${SHOTS}profile-phone.png`, fullPage: true });
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('the profile page at 375 px wide, then "log out everywhere"', async () => {
  const user = await register(server);
  const laptop = server.client();
  await laptop.collection('users').authWithPassword(user.authStore.record.username, 'password-123');

  const p = await page({ width: 375, height: 812 });
  await openProfile(p, user.authStore.record.username);
  // nothing wider than the screen
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page is ${width} px wide`);
  for (const label of ['Name', 'Username', 'Bio', 'Current password', 'Phone number']) {
    const box = await p.getByLabel(label, { exact: true }).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 375, `${label} overflows: ${JSON.stringify(box)}`);
  }
  await p.screenshot({ path: `${SHOTS}profile-375.png`, fullPage: true });

  await p.getByRole('button', { name: 'Log out everywhere' }).click();
  await p.getByRole('link', { name: 'Log in' }).waitFor();
  await p.getByRole('heading', { name: 'Latest posts' }).waitFor();
  assert.equal(new URL(p.url()).pathname, '/');
  assert.equal(await p.evaluate(() => localStorage.getItem('pocketbase_auth')), null);
  // the other device is logged out too
  await assert.rejects(laptop.send('/api/blog/me', {}), (err) => err.status === 401);
  // the profile asks for a login again
  await p.goto('/profile');
  await p.getByRole('button', { name: 'Log in' }).waitFor();
  assert.match(p.url(), /\/login\?next=%2Fprofile$/);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('the login page offers a password reset by mail only when the blog sends mail', async () => {
  const p = await page();
  await p.goto('/login');
  await p.getByRole('heading', { level: 2, name: 'Forgot your password?' }).waitFor();
  // this server has no mail transport: no form that could only fail
  await p.getByText('This blog cannot send mail, so a password cannot be reset by mail here').waitFor();
  assert.equal(await p.getByRole('button', { name: 'Email me a reset link' }).count(), 0);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
