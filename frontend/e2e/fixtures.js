// Shared fixtures: the world found by global-setup (the demo's sandbox session), the sandbox's
// customer side, and helpers that act in the page the way an agent would.
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect } from '@playwright/test';
import { WORLD_FILE, SCREENSHOTS_DIR, sandbox as sandboxClient } from './stack.js';

export { expect };

let serial = 0;
/** A customer nobody has seen yet: a fresh phone number and name per call. */
export function newCustomer(tag = 'Customer') {
  serial += 1;
  const digits = `${Date.now() % 1e7}`.padStart(7, '0') + String(serial).padStart(2, '0');
  return { phone: `6289${digits}`, name: `E2E ${tag} ${digits.slice(-5)}` };
}

export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern
  world: async ({}, use) => {
    await use(JSON.parse(fs.readFileSync(WORLD_FILE, 'utf8')));
  },
  sandbox: async ({ world }, use) => {
    if (!world.sessionId) throw new Error(`no connected sandbox session to act as the customer: ${world.missing.join('; ')}`);
    await use(sandboxClient(world.sessionId));
  },
  /** The demo member's inbox, loaded. */
  inbox: async ({ page }, use) => {
    await page.goto('/');
    await expect(page.getByTestId('chat-list')).toBeVisible();
    await use(page);
  },
});

export function chatItem(page, name) {
  return page.locator('[data-testid=chat-item]', { hasText: name });
}

/** A customer writes first, so the chat exists; returns the customer with its contact id. */
export async function customerWritesFirst(page, sandbox, customer, body = 'Hello, I have a question') {
  await sandbox.inbound(customer.phone, body, { name: customer.name });
  const item = chatItem(page, customer.name);
  await expect(item).toBeVisible();
  const contactId = Number(await item.getAttribute('data-contact-id'));
  return { ...customer, contactId };
}

export async function openChat(page, name) {
  await chatItem(page, name).click();
  await expect(page.getByTestId('thread-name')).toHaveText(name);
}

export function bubbles(page) {
  return page.locator('[data-testid=thread] [data-testid=message]');
}

export function bubbleWithText(page, text) {
  return page.locator('[data-testid=thread] [data-testid=message]', { hasText: text });
}

/** A same-origin API call from the page (session cookie + CSRF), as the SPA makes it. */
export async function apiInPage(page, method, path_, body) {
  return page.evaluate(async ({ method: m, path: p, body: b }) => {
    const csrf = (document.cookie.match(/(?:^|; )blazz_csrftoken=([^;]*)/) || [])[1] || '';
    const res = await fetch(`/api/v1${p}`, {
      method: m,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': decodeURIComponent(csrf) },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    let json = null;
    try {
      json = await res.json();
    } catch {
      /* empty */
    }
    return { status: res.status, body: json };
  }, { method, path: path_, body });
}

/**
 * A screenshot of a main screen: saved as frontend/test-results/screenshots/<name>.png and
 * attached to the test in the HTML report (frontend/playwright-report/).
 */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  const body = await page.screenshot({ path: file });
  await test.info().attach(name, { body, contentType: 'image/png' });
  return file;
}

/**
 * Hold the page's API requests that match until `release()`: the test sees the app while they are in
 * flight (an upload, an older page, a send), then lets them through. Later matches pass at once.
 * @param {import('@playwright/test').Page} page
 * @param {(url: URL, request: import('@playwright/test').Request) => boolean} matches
 */
export async function holdRequests(page, matches) {
  let release;
  const released = new Promise((resolve) => {
    release = resolve;
  });
  const held = [];
  await page.route((url) => url.pathname.startsWith('/api/'), async (route) => {
    const request = route.request();
    if (!matches(new URL(request.url()), request)) {
      await route.fallback();
      return;
    }
    held.push(request);
    await released;
    await route.continue();
  });
  return { release, count: () => held.length };
}
