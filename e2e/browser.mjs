// What the browser suites share: Debian's Chromium, headless, driven by
// playwright-core against a server from server.mjs; a page per person, its
// errors collected for the test to assert on; logging in through the form.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

// CHROMIUM_PATH is for a machine whose Chromium is not Debian's
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// screenshots are for a person to look at after a run; git ignores them
export const SHOTS = new URL('./screenshots/', import.meta.url).pathname;

// launchBrowser starts Chromium, failing at once with how to install it
// when it is missing, and makes the screenshot directory.
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

// relaxRateLimits raises tenfold the server's rate limits with these
// labels, through its settings as the superuser: a suite does more a
// minute than a person does, and the limits have their own tests.
export async function relaxRateLimits(server, labels) {
  const admin = await server.superuser();
  const { rateLimits } = await admin.settings.getAll();
  for (const rule of rateLimits.rules) {
    if (labels.includes(rule.label)) rule.maxRequests *= 10;
  }
  await admin.settings.update({ rateLimits });
}

// openPage opens a new browser context (a separate person) on the server,
// with contextOptions (a viewport) added; dialogs (confirmations, the
// warning before leaving unsaved work) are accepted, and the page's
// uncaught errors gather in p.errors.
export async function openPage(browser, server, contextOptions = {}) {
  const context = await browser.newContext({ baseURL: server.url, ...contextOptions });
  const p = await context.newPage();
  p.on('dialog', (d) => d.accept());
  const errors = [];
  p.on('pageerror', (err) => errors.push(err));
  p.errors = errors;
  return p;
}

// logIn logs a user in through the login form (every test user's password
// is register's) and waits until the header offers to log out.
export async function logIn(p, username) {
  await p.goto('/login');
  await p.getByLabel('Email, username or phone').fill(username);
  await p.getByLabel('Password').fill('password-123');
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.getByRole('button', { name: 'Log out' }).waitFor();
}
