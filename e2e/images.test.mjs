// Images with the JS SDK: an author uploads an image for a body and a
// cover for a post; the body's image opens with the body (a guest reads
// a free post's, only the author and buyers a paid post's, with the file
// token the SDK asks for), the cover is public with its thumbnails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, register, expectStatus } from './server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

// a 1×1 PNG
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const pngFile = (name) => new File([png], name, { type: 'image/png' });

// status GETs a path of the server and answers its status and type.
async function status(path) {
  const res = await fetch(server.url + path);
  await res.arrayBuffer();
  return `${res.status} ${res.status === 200 ? res.headers.get('content-type') : ''}`.trim();
}

test('an image of a paid body is read by its author and buyers only', async () => {
  const author = await register(server);
  const other = await register(server);
  const buyer = await register(server);
  const guest = server.client();

  const post = await author.send('/api/blog/posts', {
    method: 'POST', body: { title: 'Pictures for payers', body: '<p>soon</p>', status: 'published', price: 5 },
  });

  // uploaded: the author's, attached to nothing yet
  const form = new FormData();
  form.append('file', pngFile('chart.png'));
  const image = await author.collection('postImages').create(form);
  assert.equal(image.owner, author.authStore.record.id);
  assert.equal(image.post, '');
  const path = `/api/files/postImages/${image.id}/${image.file}`;
  assert.equal(await status(path), '404');
  assert.equal(await status(`${path}?token=${await author.files.getToken()}`), '200 image/png');

  // the body shows it: saving the body attaches it to the post
  await author.send(`/api/blog/posts/${post.id}`, {
    method: 'PATCH', body: { body: `<p>The chart:</p><p><img src="${path}" alt="chart"></p>` },
  });
  assert.equal((await author.collection('postImages').getOne(image.id)).post, post.id);

  // nobody but its owner sees the record; the file is the body's readers'
  await expectStatus(other.collection('postImages').getOne(image.id), 404);
  assert.equal((await guest.collection('postImages').getList()).totalItems, 0);
  assert.equal(await status(path), '404');
  assert.equal(await status(`${path}?token=${await other.files.getToken()}`), '404');
  assert.equal(await status(`${path}?thumb=800x0&token=${await other.files.getToken()}`), '404');

  const su = await server.superuser();
  await su.collection('orders').create({
    buyer: buyer.authStore.record.id, post: post.id, amount: 5, currency: 'CNY', provider: 'stripe', status: 'paid',
  });
  const token = await buyer.files.getToken();
  assert.equal(await status(`${path}?token=${token}`), '200 image/png');
  assert.equal(await status(`${path}?thumb=800x0&token=${token}`), '200 image/png');
  assert.equal(await status(`${path}?token=${await author.files.getToken()}`), '200 image/png');

  // another user cannot put an image on the author's post, nor take theirs
  const intrusion = new FormData();
  intrusion.append('file', pngFile('mine.png'));
  intrusion.append('post', post.id);
  const refused = await expectStatus(other.collection('postImages').create(intrusion), 400);
  assert.equal(refused.response.data.post.code, 'validation_post_not_owned');
  await expectStatus(other.collection('postImages').update(image.id, { post: '' }), 404);
  await expectStatus(other.collection('postImages').delete(image.id), 404);

  // only images, whatever their name says
  const svg = new FormData();
  svg.append('file', new File(['<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'], 'logo.png', { type: 'image/png' }));
  const notAnImage = await expectStatus(author.collection('postImages').create(svg), 400);
  assert.equal(notAnImage.response.data.file.code, 'validation_invalid_mime_type');
});

test('a cover is public, with its thumbnails, and shows in link previews', async () => {
  const author = await register(server);
  const guest = server.client();
  const created = await author.send('/api/blog/posts', {
    method: 'POST', body: { title: 'Under a cover', body: '<p>free to read</p>', status: 'published' },
  });

  const post = await author.collection('posts').update(created.id, { cover: pngFile('sky.png') });
  assert.match(post.cover, /^sky_\w+\.png$/);
  for (const thumb of ['480x270', '1200x630']) {
    const url = guest.files.getURL(post, post.cover, { thumb });
    assert.equal(await status(url.slice(server.url.length)), '200 image/png', thumb);
  }

  const page = await (await fetch(`${server.url}/posts/${post.slug}`)).text();
  assert.match(page, /<meta property="og:image" content="[^"]*\/api\/files\/[^"]+\?thumb=1200x630">/);
  assert.match(page, /<meta name="twitter:card" content="summary_large_image">/);
  const listing = await guest.send('/api/blog/posts', { query: { author: author.authStore.record.username } });
  assert.equal(listing.items[0].cover, post.cover);

  const removed = await author.collection('posts').update(created.id, { cover: null });
  assert.equal(removed.cover, '');
});
