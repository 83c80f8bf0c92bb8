// Plays Alipay for end-to-end tests: an app key pair and a platform key
// pair made here, key files for the server, callbacks signed the way
// Alipay signs them (RSA2 over the sorted parameters), and a gateway that
// answers alipay.trade.query from trades a test sets, signed, and shows a
// stand-in pay page to a browser.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.mjs';

export const APP_ID = '2021000000000001';

// signingContent is Alipay's canonical string: sorted, non-empty, raw.
export function signingContent(params, skip = []) {
  return [...Object.keys(params)].sort()
    .filter((k) => k !== 'sign' && !skip.includes(k) && params[k] !== '')
    .map((k) => `${k}=${params[k]}`).join('&');
}

export async function startAlipay() {
  const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platformKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyDir = mkdtempSync(join(tmpdir(), 'blogbase-keys-'));
  writeFileSync(join(keyDir, 'app.pem'), appKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(keyDir, 'alipay.pem'), platformKeys.publicKey.export({ type: 'spki', format: 'pem' }));
  const trades = new Map();

  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      // a buyer's browser sent to the pay URL
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>Alipay (test)</title><h1>Alipay (test)</h1>');
      return;
    }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const { out_trade_no: outTradeNo } = JSON.parse(params.biz_content || '{}');
      const trade = trades.get(outTradeNo);
      const answer = JSON.stringify(trade
        ? { code: '10000', msg: 'Success', out_trade_no: outTradeNo, trade_no: trade.tradeNo, trade_status: trade.status, total_amount: trade.amount }
        : { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST', sub_msg: 'no trade' });
      const signature = sign('RSA-SHA256', Buffer.from(answer), platformKeys.privateKey).toString('base64');
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(`{"alipay_trade_query_response":${answer},"sign":"${signature}"}`);
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const gatewayUrl = `http://127.0.0.1:${port}/gateway.do`;

  // signed is a callback (notification or return) as Alipay signs it
  function signed(params) {
    const all = { ...params, sign_type: 'RSA2' };
    all.sign = sign('RSA-SHA256', Buffer.from(signingContent(all, ['sign_type'])), platformKeys.privateKey).toString('base64');
    return all;
  }

  return {
    appKeys,
    gatewayUrl,
    trades,
    signed,
    env: (publicUrl) => ({
      BLOG_PUBLIC_URL: publicUrl,
      BLOG_ALIPAY_APP_ID: APP_ID,
      BLOG_ALIPAY_PRIVATE_KEY: join(keyDir, 'app.pem'),
      BLOG_ALIPAY_PUBLIC_KEY: join(keyDir, 'alipay.pem'),
      BLOG_ALIPAY_GATEWAY: gatewayUrl,
    }),
    notification(outTradeNo, status, amount) {
      return signed({
        notify_time: '2026-11-22 20:00:00', notify_type: 'trade_status_sync', notify_id: randomBytes(8).toString('hex'),
        app_id: APP_ID, charset: 'utf-8', version: '1.0', trade_no: `2026112222${randomBytes(4).toString('hex')}`,
        out_trade_no: outTradeNo, trade_status: status, total_amount: amount, subject: 'a post',
      });
    },
    // notify posts a notification to the blog as Alipay's servers do
    async notify(blogUrl, params) {
      const res = await fetch(`${blogUrl}/api/blog/payments/alipay/notify`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      return { status: res.status, text: await res.text() };
    },
    close() {
      server.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
