// Tenancy from the browser: a member of another workspace cannot open this inbox, and no chat
// data of it ever reaches their browser.
import { test, expect } from './fixtures.js';
import { STACK, nodeRequest } from './stack.js';
import { loginAs } from './global-setup.js';

/** Every request a context makes to the demo host, as "METHOD path". */
function recordDemoRequests(context) {
  const seen = [];
  const demoHost = new URL(STACK.demoUrl).host;
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.host === demoHost) seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

const INBOX_DATA = /^(GET|POST) \/(api\/v1\/(me|chats|contacts|messages|sessions)|ws\/inbox)\b/;

test('a member of another workspace cannot open the demo inbox', async ({ browser }) => {
  const stamp = `${Date.now()}`.slice(-8);
  const outsider = { email: `owner-${stamp}@example.com`, password: `Outsider-${stamp}-pw!`, slug: `other${stamp}`, name: `Other ${stamp}` };
  const signup = await nodeRequest({ method: 'POST', path: '/api/v1/signup/', host: STACK.publicHost, body: outsider });
  expect(signup.status, JSON.stringify(signup.body)).toBe(201);

  const context = await browser.newContext({ storageState: undefined });
  const demoRequests = recordDemoRequests(context);

  // 1. Demo's login form refuses them with the 403 page, and logs no one in.
  const page = await context.newPage();
  await page.goto(`${STACK.demoUrl}/login/`);
  await page.fill('input[name=email]', outsider.email);
  await page.fill('input[name=password]', outsider.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/login/') && r.request().method() === 'POST'),
    page.locator('form [type=submit]').first().click(),
  ]);
  expect(response.status()).toBe(403);
  await expect(page).toHaveTitle(/^403 · Blazz/);
  await expect(page.locator('h1')).toHaveText('No entry');
  await expect(page.locator('main, body').first()).toContainText(`${outsider.email} is not a member of`);
  expect((await context.cookies(STACK.demoUrl)).map((c) => c.name)).not.toContain('blazz_session');

  // 2. Logged in on their own workspace, they have an inbox there...
  const own = await loginAs(context, outsider, `http://${outsider.slug}.localhost:${STACK.webPort}`);
  await expect(own.getByTestId('chat-list')).toBeVisible();
  // ...and even with that session cookie carried over to demo's host (a login belongs to the host
  // it was made on), demo's inbox sends them to its login form.
  const session = (await context.cookies(`http://${outsider.slug}.localhost:${STACK.webPort}`)).find((c) => c.name === 'blazz_session');
  expect(session).toBeTruthy();
  await context.addCookies([{ name: session.name, value: session.value, domain: new URL(STACK.demoUrl).hostname, path: '/' }]);
  const demo = await context.newPage();
  await demo.goto(`${STACK.demoUrl}/chats/1`);
  await expect(demo).toHaveURL(`${STACK.demoUrl}/login/?next=/chats/1`);
  await expect(demo.locator('h1')).toHaveText(/^Log in to /);
  await expect(demo.locator('input[name=email]')).toBeVisible();

  // 3. Demo's API does not know them: 401 (no one is logged in on this host), no data.
  const answers = await demo.evaluate(async () => Promise.all(['/api/v1/me/', '/api/v1/chats/', '/api/v1/contacts/'].map(async (p) => {
    const res = await fetch(p, { headers: { Accept: 'application/json' } });
    return { path: p, status: res.status, body: await res.json().catch(() => null) };
  })));
  for (const answer of answers) {
    expect(answer.status, JSON.stringify(answer)).toBe(401);
    expect(Object.keys(answer.body), JSON.stringify(answer)).toEqual(['error']);
    expect(answer.body.error.code).toBe('unauthorized');
  }

  // Nothing of demo's inbox was ever fetched by the browser: no SPA, no socket, no inbox API
  // (besides the three refused calls just made by hand).
  const fetched = demoRequests.filter((r) => INBOX_DATA.test(r));
  expect(fetched).toEqual(['GET /api/v1/me/', 'GET /api/v1/chats/', 'GET /api/v1/contacts/']);
  expect(demoRequests.filter((r) => r.includes('/static/assets/'))).toEqual([]);
  await context.close();
});
