// One's own profile through the JS SDK: PocketBase's users API for the
// profile and the password, /api/blog/me/phone for the phone (the texts
// going to a local webhook sink), and logging out everywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';
import { startSmsSink } from './sms-sink.mjs';

let server;
let sink;

before(async () => {
  sink = await startSmsSink();
  server = await startServer({ env: sink.env });
});
after(async () => {
  await server?.stop();
  await sink?.close();
});

// codeFor asks for a code for phone (E.164) and returns it as texted.
async function codeFor(pb, phone) {
  const before = sink.texts.length;
  await pb.send('/api/blog/sms/code', { method: 'POST', body: { phone } });
  return (await sink.textTo(phone, before)).code;
}

test('a user edits their name, bio and username; a bad username is refused by field', async () => {
  const pb = await register(server);
  const id = pb.authStore.record.id;
  const username = `renamed_${process.pid}`;
  const updated = await pb.collection('users').update(id, { name: 'New Name', bio: 'Writes about trains.', username });
  assert.equal(updated.name, 'New Name');
  assert.equal(pb.authStore.record.username, username);

  // what readers see
  const reader = server.client();
  const seen = await reader.collection('users').getOne(id);
  assert.deepEqual([seen.name, seen.bio, seen.username], ['New Name', 'Writes about trains.', username]);
  assert.equal(seen.phone, undefined);

  const err = await expectStatus(pb.collection('users').update(id, { username: 'Not Valid!' }), 400);
  assert.ok(err.response.data.username, JSON.stringify(err.response));
  const other = await register(server);
  const taken = await expectStatus(other.collection('users').update(other.authStore.record.id, { username }), 400);
  assert.equal(taken.response.data.username.code, 'validation_not_unique');
  // nobody edits another's profile
  await expectStatus(other.collection('users').update(id, { name: 'Defaced' }), 404);
});

test('a password change needs the old password, ends the old sessions, and the new one logs in', async () => {
  const pb = await register(server);
  const { id, username } = pb.authStore.record;
  const elsewhere = server.client();
  await elsewhere.collection('users').authWithPassword(username, 'password-123');

  const wrong = await expectStatus(pb.collection('users').update(id, {
    oldPassword: 'not-my-password', password: 'new-password-456', passwordConfirm: 'new-password-456',
  }), 400);
  assert.ok(wrong.response.data.oldPassword, JSON.stringify(wrong.response));

  await pb.collection('users').update(id, {
    oldPassword: 'password-123', password: 'new-password-456', passwordConfirm: 'new-password-456',
  });
  // the tokens issued before are refused, this client's included
  await expectStatus(elsewhere.send('/api/blog/me', {}), 401);
  await expectStatus(pb.send('/api/blog/me', {}), 401);

  // as the profile page does: sign in again with the new password
  await pb.collection('users').authWithPassword(username, 'new-password-456');
  const me = await pb.send('/api/blog/me', {});
  assert.equal(me.record.id, id);
  await expectStatus(server.client().collection('users').authWithPassword(username, 'password-123'), 400);
});

test('a user binds a phone with a texted code, sees it in /me only, and logs in with it', async () => {
  const pb = await register(server);
  const { id, username } = pb.authStore.record;
  const phone = '+8613900002001';
  const code = await codeFor(pb, phone);

  await expectStatus(pb.send('/api/blog/me/phone', { method: 'POST', body: { phone, code: code === '000000' ? '111111' : '000000' } }), 400);
  const bound = await pb.send('/api/blog/me/phone', { method: 'POST', body: { phone: '139 0000 2001', code } });
  assert.equal(bound.record.id, id);
  assert.equal(bound.record.phone, phone);
  // single use
  await expectStatus(pb.send('/api/blog/me/phone', { method: 'POST', body: { phone, code } }), 400);

  assert.equal((await pb.send('/api/blog/me', {})).record.phone, phone);
  assert.equal((await pb.collection('users').getOne(id)).phone, undefined);
  const admin = await server.superuser();
  assert.equal((await admin.collection('users').getOne(id)).phone, phone);

  const byPhone = server.client();
  await byPhone.collection('users').authWithPassword('139 0000 2001', 'password-123');
  assert.equal(byPhone.authStore.record.username, username);

  // guests cannot bind anything
  await expectStatus(server.client().send('/api/blog/me/phone', { method: 'POST', body: { phone, code } }), 401);
});

test('"log out everywhere" ends every session of the user, and only theirs', async () => {
  const pb = await register(server);
  const { username } = pb.authStore.record;
  const laptop = server.client();
  await laptop.collection('users').authWithPassword(username, 'password-123');
  const stranger = await register(server);

  await pb.send('/api/blog/auth/logout-all', { method: 'POST' });
  await expectStatus(pb.send('/api/blog/me', {}), 401);
  await expectStatus(laptop.send('/api/blog/me', {}), 401);
  await expectStatus(laptop.collection('users').authRefresh(), 401);
  assert.equal((await stranger.send('/api/blog/me', {})).record.id, stranger.authStore.record.id);

  // a new login works again
  await laptop.collection('users').authWithPassword(username, 'password-123');
  assert.equal((await laptop.send('/api/blog/me', {})).record.username, username);
});
