// The sessions page: status, the live QR replaced by "connected", add a number, log out.
import { test, expect, screenshot, holdRequests } from './fixtures.js';

test('sessions page: add a sandbox number, its QR turns into "connected", log it out', async ({ page, world }) => {
  await page.goto('/sessions');
  const demoCard = page.locator(`[data-testid=session][data-session-id="${world.sessionId}"]`);
  await expect(demoCard).toHaveAttribute('data-status', 'connected');
  await expect(demoCard.getByTestId('session-connected')).toBeVisible();

  const name = `E2E number ${Date.now() % 100000}`;
  await page.getByTestId('session-name').fill(name);
  await page.getByTestId('session-engine').selectOption('sandbox');
  await page.getByTestId('session-add').click();
  const card = page.locator('[data-testid=session]', { hasText: name });
  await expect(card).toBeVisible();
  // the sandbox shows a QR for a few seconds, then "scans itself": live, without a reload
  await expect(card.getByTestId('session-qr').locator('img')).toBeVisible({ timeout: 30_000 });
  await screenshot(page, 'sessions-qr');
  await expect(card).toHaveAttribute('data-status', 'connected', { timeout: 30_000 });
  await expect(card.getByTestId('session-qr')).toHaveCount(0);
  await expect(card.getByTestId('session-connected')).toBeVisible();
  await screenshot(page, 'sessions');

  page.once('dialog', (d) => d.accept());
  await card.getByTestId('session-logout').click();
  await expect(card).toHaveAttribute('data-status', 'logged_out');
});

test('sessions page: a name typed while an earlier Add is still running is kept', async ({ page }) => {
  await page.goto('/sessions');
  await expect(page.getByTestId('add-session')).toBeVisible();
  const first = `E2E first ${Date.now() % 100000}`;
  const next = `E2E next ${Date.now() % 100000}`;
  const adding = await holdRequests(page, (url, request) => request.method() === 'POST' && url.pathname === '/api/v1/sessions/');
  await page.getByTestId('session-name').fill(first);
  await page.getByTestId('session-add').click();
  await expect.poll(() => adding.count()).toBe(1);
  await page.getByTestId('session-name').fill(next); // while the first Add is on its way
  adding.release();
  const card = page.locator('[data-testid=session]', { hasText: first });
  await expect(card).toBeVisible();
  await expect(page.getByTestId('session-name')).toHaveValue(next);
  page.once('dialog', (d) => d.accept());
  await card.getByTestId('session-logout').click();
  await expect(card).toHaveAttribute('data-status', 'logged_out');
});

test('settings page: the members (the demo member among them) and the API keys', async ({ page }) => {
  await page.goto('/settings');
  await expect(page.locator('h1')).toHaveText('Settings');
  await expect(page.getByTestId('members')).toContainText('demo@example.com');
  await expect(page.getByTestId('api-keys')).toBeVisible();
  await screenshot(page, 'settings');
});
