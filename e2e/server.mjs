// Starts a real blogbase server for a test file: a fresh data directory, a
// free port on 127.0.0.1, a superuser, and a stop() that ends the process
// by its PID and removes the directory (kill9() ends it abruptly and keeps
// the directory, for a restart on it).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EventSource from 'eventsource';
import PocketBase from 'pocketbase';

// the JS SDK's realtime needs an EventSource; Node 20 has none
globalThis.EventSource = EventSource;

export const SUPERUSER = { email: 'admin@example.com', password: 'admin-password-1' };

// BLOGBASE_BIN is the server binary (.ci/run builds it); without it the
// tests build one with the Go toolchain.
function binary() {
  if (process.env.BLOGBASE_BIN) return process.env.BLOGBASE_BIN;
  const binDir = mkdtempSync(join(tmpdir(), 'blogbase-bin-'));
  process.once('exit', () => rmSync(binDir, { recursive: true, force: true }));
  const out = join(binDir, 'blogbase');
  execFileSync('go', ['build', '-o', out, '.'], { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
  process.env.BLOGBASE_BIN = out;
  return out;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// startServer starts blogbase; env adds variables (BLOG_*) to its own;
// port, when given, is where it listens (for a BLOG_PUBLIC_URL known in
// advance); dir, when given, is an existing data directory (with its
// superuser) to serve again, which stop() leaves in place, as it does a
// new one with keepDir.
export async function startServer({ env = {}, port: wanted, dir: existing, keepDir = false } = {}) {
  const bin = binary();
  const dir = existing || mkdtempSync(join(tmpdir(), 'blogbase-e2e-'));
  const removeDir = () => { if (!existing && !keepDir) rmSync(dir, { recursive: true, force: true }); };
  if (!existing) {
    execFileSync(bin, ['superuser', 'upsert', SUPERUSER.email, SUPERUSER.password, '--dir', dir], { stdio: 'ignore' });
  }

  const port = wanted || await freePort();
  const url = `http://127.0.0.1:${port}`;
  // the web app is the repository's committed build
  const publicDir = new URL('../pb_public', import.meta.url).pathname;
  const child = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, '--dir', dir, '--publicDir', publicDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });

  // whatever happens to the test process, the server does not outlive it
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const clients = [];

  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      if (!existing) rmSync(dir, { recursive: true, force: true });
      throw new Error(`blogbase did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    dir,
    client: () => { const pb = new PocketBase(url); clients.push(pb); return pb; },
    async superuser() {
      const pb = this.client();
      await pb.collection('_superusers').authWithPassword(SUPERUSER.email, SUPERUSER.password);
      return pb;
    },
    async stop() {
      // open subscriptions (a test that failed before unsubscribing)
      // would reconnect forever and keep the test process alive
      for (const pb of clients) pb.realtime.unsubscribe().catch(() => {});
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      removeDir();
    },
    // kill9 ends the process with SIGKILL, as a crash would, and waits for
    // it; the directory stays
    async kill9() {
      for (const pb of clients) pb.realtime.unsubscribe().catch(() => {});
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

let users = 0;

// register signs up a new user with the SDK and returns a client logged in
// as them (by username, or by email when byEmail is set).
export async function register(server, { byEmail = false } = {}) {
  users += 1;
  const username = `user_${process.pid}_${users}`;
  const email = `${username}@example.com`;
  const password = 'password-123';
  const pb = server.client();
  await pb.collection('users').create({ username, email, password, passwordConfirm: password, name: `User ${users}` });
  await pb.collection('users').authWithPassword(byEmail ? email : username, password);
  return pb;
}

// expectStatus awaits a promise that must fail with an HTTP status.
export async function expectStatus(promise, status) {
  try {
    await promise;
  } catch (err) {
    if (err.status === status) return err;
    throw new Error(`expected ${status}, got ${err.status}: ${JSON.stringify(err.response)}`);
  }
  throw new Error(`expected ${status}, the request succeeded`);
}
