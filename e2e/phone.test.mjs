// Phone sign-up with an SMS code, the texts going to a local webhook sink.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { startServer, freePort, expectStatus } from './server.mjs';

const SECRET = 'sink-secret';
let server;
let sink;
const texts = [];

before(async () => {
  const port = await freePort();
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      texts.push({ body, signature: req.headers['x-blog-signature'] });
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => sink.listen(port, '127.0.0.1', r));
  server = await startServer({
    env: {
      BLOG_SMS_PROVIDER: 'webhook',
      BLOG_SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/sms`,
      BLOG_SMS_WEBHOOK_SECRET: SECRET,
    },
  });
});
after(async () => {
  await server?.stop();
  await new Promise((r) => sink?.close(r));
});

async function textTo(phone) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const found = texts.find((t) => JSON.parse(t.body).phone === phone);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no text to ${phone}`);
}

test('sign up and in with a phone and an SMS code', async () => {
  const pb = server.client();
  await pb.send('/api/blog/sms/code', { method: 'POST', body: { phone: '139 0000 1234' } });

  const text = await textTo('+8613900001234');
  assert.equal(text.signature, 'sha256=' + createHmac('sha256', SECRET).update(text.body).digest('hex'));
  const { code } = JSON.parse(text.body);
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
