// Signing out one session or all of them, as a client sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

// twoSessions signs a new user up and logs them in twice more, both at
// once: every login is a session of its own, even in the same second.
async function twoSessions() {
  const { username } = (await register(server)).authStore.record;
  const [first, second] = [server.client(), server.client()];
  await Promise.all([first, second].map((pb) => pb.collection('users').authWithPassword(username, 'password-123')));
  assert.notEqual(first.authStore.token, second.authStore.token);
  return [first, second];
}

test('logout ends one session and leaves the others', async () => {
  const [first, second] = await twoSessions();

  const me = await first.send('/api/blog/me', {});
  assert.equal(me.record.username, first.authStore.record.username);
  assert.deepEqual(me.stats, { posts: 0, drafts: 0, scheduled: 0, comments: 0 });

  await first.send('/api/blog/auth/logout', { method: 'POST' });
  await expectStatus(first.collection('users').authRefresh(), 401);
  await expectStatus(first.send('/api/blog/me', {}), 401);
  // on public routes the signed-out token is a guest's
  assert.ok((await first.send('/api/blog/posts', {})).items);

  await second.collection('users').authRefresh();
  assert.equal((await second.send('/api/blog/me', {})).record.id, first.authStore.record.id);
});

test('logout-all ends every session', async () => {
  const [first, second] = await twoSessions();
  await second.send('/api/blog/auth/logout-all', { method: 'POST' });
  await expectStatus(first.collection('users').authRefresh(), 401);
  await expectStatus(second.send('/api/blog/me', {}), 401);

  // logging in again works
  const again = server.client();
  await again.collection('users').authWithPassword(first.authStore.record.username, 'password-123');
  assert.ok((await again.send('/api/blog/me', {})).record);
});
