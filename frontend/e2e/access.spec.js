// Tenancy from the browser: a member of another workspace cannot open this inbox.
import { test, expect } from './fixtures.js';
import { STACK, nodeRequest } from './stack.js';
import { loginAs } from './global-setup.js';

test('a member of another workspace cannot open the demo inbox', async ({ browser }) => {
  const stamp = `${Date.now()}`.slice(-8);
  const outsider = { email: `owner-${stamp}@example.com`, password: `Outsider-${stamp}-pw!`, slug: `other${stamp}`, name: `Other ${stamp}` };
  const signup = await nodeRequest({ method: 'POST', path: '/api/v1/signup/', host: STACK.publicHost, body: outsider });
  expect(signup.status, JSON.stringify(signup.body)).toBe(201);

  const context = await browser.newContext({ storageState: undefined });
  // the login form on demo.localhost refuses them with the 403 page
  const page = await context.newPage();
  await page.goto(`${STACK.demoUrl}/login/`);
  await page.fill('input[name=email]', outsider.email);
  await page.fill('input[name=password]', outsider.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/login/') && r.request().method() === 'POST'),
    page.locator('form [type=submit]').first().click(),
  ]);
  expect(response.status()).toBe(403);
  await expect(page.locator('body')).toContainText(/not a member/i);
  await expect(page.getByTestId('chat-list')).toHaveCount(0);

  // logged in on their own workspace, they have an inbox there...
  const own = await loginAs(context, outsider, `http://${outsider.slug}.localhost:${STACK.webPort}`);
  await expect(own.getByTestId('chat-list')).toBeVisible();
  // ...but demo's inbox and API stay closed to them
  const demo = await context.newPage();
  const answer = await demo.goto(`${STACK.demoUrl}/`);
  await expect(demo.getByTestId('chat-list')).toHaveCount(0);
  expect([200, 302, 403]).toContain(answer.status()); // the login page (200 after a redirect) or the 403 page
  const api = await demo.evaluate(async () => (await fetch('/api/v1/me/')).status);
  expect([401, 403]).toContain(api);
  await context.close();
});
