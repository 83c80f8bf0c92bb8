// Phone sign-up with an SMS code, the texts going to a local webhook sink.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, expectStatus } from './server.mjs';
import { startSmsSink } from './sms-sink.mjs';

const SECRET = 'sink-secret';
let server;
let sink;

before(async () => {
  sink = await startSmsSink({ secret: SECRET });
  server = await startServer({ env: sink.env });
});
after(async () => {
  await server?.stop();
  await sink?.close();
});

const textTo = (phone) => sink.textTo(phone);

test('sign up and in with a phone and an SMS code', async () => {
  const pb = server.client();
  await pb.send('/api/blog/sms/code', { method: 'POST', body: { phone: '139 0000 1234' } });

  const text = await textTo('+8613900001234');
  assert.equal(text.signature, 'sha256=' + createHmac('sha256', SECRET).update(text.raw).digest('hex'));
  const { code } = text;
  assert.match(code, /^\d{6}$/);

  await expectStatus(pb.send('/api/blog/auth/phone', { method: 'POST', body: { phone: '13900001234', code: code === '000000' ? '111111' : '000000' } }), 400);
  const auth = await pb.send('/api/blog/auth/phone', {
    method: 'POST',
    body: { phone: '13900001234', code, name: 'Phone Reader', password: 'phone-password-1' },
  });
  pb.authStore.save(auth.token, auth.record);
  const me = await pb.send('/api/blog/me', {});
  assert.equal(me.record.phone, '+8613900001234');
  assert.equal(me.record.name, 'Phone Reader');

  // the phone is now a password identity too
  const again = server.client();
  await again.collection('users').authWithPassword('+8613900001234', 'phone-password-1');
  assert.equal(again.authStore.record.id, me.record.id);

  // one code a minute per phone
  await expectStatus(pb.send('/api/blog/sms/code', { method: 'POST', body: { phone: '13900001234' } }), 429);
});
