// Working together in the inbox: the message menu by keyboard and right click, forwarding to
// another chat (the sandbox customer receives it marked forwarded), a search hit opening the chat
// around an old message, search within the chat, the unread divider and the tab's count, the
// customer's green dot, and a second agent seen viewing and typing in the same chat.
import { test, expect, newCustomer, chatItem, customerWritesFirst, openChat, apiInPage, screenshot, bubbleWithText } from './fixtures.js';
import { STACK, waitFor } from './stack.js';

test('forward from the keyboard menu: the other customer receives it marked forwarded', async ({ inbox: page, sandbox }) => {
  const from = await customerWritesFirst(page, sandbox, newCustomer('FwdFrom'), 'Order 4471 is ready');
  const to = await customerWritesFirst(page, sandbox, newCustomer('FwdTo'), 'Any news?');
  await openChat(page, from.name);

  const bubble = bubbleWithText(page, 'Order 4471 is ready');
  await bubble.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('message-menu')).toBeVisible();
  await expect(page.getByTestId('menu-reply')).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.getByTestId('forward-message')).toBeFocused();
  await screenshot(page, 'collab-message-menu');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('forward-dialog')).toBeVisible();
  await page.getByTestId('forward-filter').fill(to.name);
  await page.getByTestId('forward-target').filter({ hasText: to.name }).click();
  await expect(page.getByTestId('forward-dialog')).toHaveCount(0);

  const received = await waitFor(async () => {
    const seen = await sandbox.customer(to.phone);
    return seen.received.find((m) => m.body === 'Order 4471 is ready') || null;
  }, { what: 'the forward on the other customer phone' });
  expect(received.forwarded).toBe(true);
  await openChat(page, to.name);
  await expect(bubbleWithText(page, 'Order 4471 is ready').getByTestId('forwarded-mark')).toBeVisible();

  // Escape closes the menu and gives the focus back to the bubble; a right click opens it too.
  const mine = bubbleWithText(page, 'Order 4471 is ready');
  await mine.click({ button: 'right' });
  await expect(page.getByTestId('message-menu')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('message-menu')).toHaveCount(0);
  await expect(mine).toBeFocused();
});

test('a search hit opens the chat at an old message; search within the chat steps through matches', async ({ inbox: page, sandbox }) => {
  const customer = newCustomer('Around');
  const needle = `needle${Date.now() % 1e6}`;
  await sandbox.inbound(customer.phone, `${needle} first`, { name: customer.name });
  for (let n = 0; n < 60; n += 1) await sandbox.inbound(customer.phone, `filler ${n}`, { name: customer.name });
  await sandbox.inbound(customer.phone, `${needle} last`, { name: customer.name });
  await expect(chatItem(page, customer.name)).toContainText(`${needle} last`);

  await page.getByTestId('search').fill(`${needle} first`);
  await page.getByTestId('search-message-hit').filter({ hasText: `${needle} first` }).click();
  const old = bubbleWithText(page, `${needle} first`);
  await expect(old).toBeVisible(); // 61 messages newer than it: not in the newest page
  await expect(page.locator('.thread__row.is-highlighted', { hasText: `${needle} first` })).toBeVisible();
  await expect(bubbleWithText(page, 'filler 3')).toBeVisible(); // its neighbours came with it
  await screenshot(page, 'collab-search-hit');

  await page.getByTestId('thread-search-toggle').click();
  await page.getByTestId('thread-search-input').fill(needle);
  await expect(page.getByTestId('thread-search-count')).toHaveText('1 of 2');
  await expect(bubbleWithText(page, `${needle} last`)).toBeVisible();
  await page.getByTestId('thread-search-older').click();
  await expect(page.getByTestId('thread-search-count')).toHaveText('2 of 2');
  await expect(bubbleWithText(page, `${needle} first`)).toBeInViewport();
});

test('unread divider, the tab title count, and the online dot', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Unread'), 'one');
  await sandbox.inbound(customer.phone, 'two', { name: customer.name });
  await sandbox.inbound(customer.phone, 'three', { name: customer.name });
  await expect(chatItem(page, customer.name).getByTestId('unread-badge')).toHaveText('3');
  await expect(page).toHaveTitle(/^\(\d+\) /);

  await sandbox.presence(customer.phone, true);
  await expect(chatItem(page, customer.name).getByTestId('chat-online')).toBeVisible();
  await openChat(page, customer.name);
  await expect(page.getByTestId('header-online')).toBeVisible();
  await expect(page.getByTestId('unread-divider')).toHaveText(/3 unread messages/i);
  // The divider sits right before the first unread message.
  const next = page.locator('[data-testid=unread-divider]').locator('xpath=ancestor::div[contains(@class,"thread__row")]/following-sibling::div[1]');
  await expect(next).toContainText('one');
  await screenshot(page, 'collab-unread-online');
  await sandbox.presence(customer.phone, false);
  await expect(page.getByTestId('header-online')).toHaveCount(0);
  await expect(chatItem(page, customer.name).getByTestId('chat-online')).toHaveCount(0);
});

test('two agents: Budi is viewing, and typing in the same chat warns Ana', async ({ inbox: ana, sandbox, browser }) => {
  const stamp = `${Date.now()}`.slice(-7);
  const budi = { email: `budi-view-${stamp}@example.com`, password: `Kiwi-${crypto.randomUUID()}`, name: `Budi ${stamp}` };
  const invited = await apiInPage(ana, 'POST', '/members/', { email: budi.email, role: 'agent' });
  expect(invited.status, JSON.stringify(invited.body)).toBe(201);
  const customer = await customerWritesFirst(ana, sandbox, newCustomer('Viewers'));

  const context = await browser.newContext({ storageState: undefined });
  const budiPage = await context.newPage();
  await budiPage.goto(invited.body.invite_url.replace(/^https?:\/\/[^/]+/, STACK.demoUrl));
  await budiPage.fill('input[name=name]', budi.name);
  await budiPage.fill('input[name=password]', budi.password);
  await Promise.all([budiPage.waitForURL(`${STACK.demoUrl}/`), budiPage.locator('form button[type=submit]').click()]);

  await openChat(ana, customer.name);
  await expect(ana.getByTestId('viewers')).toHaveCount(0);
  await openChat(budiPage, customer.name);
  await expect(ana.getByTestId('viewers-text')).toContainText('viewing');
  await expect(budiPage.getByTestId('viewers-text')).toContainText('viewing'); // Ana, seen from Budi's side

  await budiPage.getByTestId('composer').pressSequentially('Let me check', { delay: 30 });
  await expect(ana.getByTestId('collision')).toBeVisible();
  await screenshot(ana, 'collab-viewing-collision');

  await budiPage.close(); // leaving: the avatars go
  await expect(ana.getByTestId('viewers')).toHaveCount(0);
  await context.close();
});
