// A local SMS webhook sink for the suites that need the texted codes: the
// server POSTs each text to it (BLOG_SMS_PROVIDER=webhook), and the suite
// reads the codes back as the phone's owner would.
import { createServer } from 'node:http';
import { freePort } from './server.mjs';

// startSmsSink listens on a free local port. texts holds every text
// received, oldest first: its raw body, its X-Blog-Signature, and the
// message fields (phone, code, text). env is the server's environment for
// sending there, signed with secret when one is given.
export async function startSmsSink({ secret } = {}) {
  const texts = [];
  const port = await freePort();
  const sink = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => {
      texts.push({ ...JSON.parse(raw), raw, signature: req.headers['x-blog-signature'] });
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => sink.listen(port, '127.0.0.1', r));
  const env = { BLOG_SMS_PROVIDER: 'webhook', BLOG_SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/sms` };
  if (secret) env.BLOG_SMS_WEBHOOK_SECRET = secret;
  return {
    texts,
    env,
    // textTo waits for the first text to phone (E.164) after the first
    // `from` texts
    async textTo(phone, from = 0) {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const text = texts.slice(from).find((t) => t.phone === phone);
        if (text) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no text to ${phone}`);
    },
    close: () => new Promise((r) => sink.close(r)),
  };
}
