// The team inbox with two agents in two browser contexts: Ana (the demo owner) assigns a chat to
// Budi, Budi sees it under Mine at once, resolves it, the customer writes again and it reopens
// for Budi; each step is a system line in the thread for both of them. On the way Budi writes a
// private note (it never reaches the sandbox customer) and answers with a canned reply that names
// the customer.
import { test, expect, newCustomer, chatItem, customerWritesFirst, openChat, apiInPage, screenshot, bubbleWithText } from './fixtures.js';
import { loginAs } from './global-setup.js';
import { waitFor } from './stack.js';

test('two agents: assign, Mine at once, resolve, the customer writes and it reopens', async ({ inbox: ana, sandbox, browser }) => {
  const stamp = `${Date.now()}`.slice(-7);
  const budi = { email: `budi-${stamp}@example.com`, password: `Budi-${stamp}-pw!` };
  const added = await apiInPage(ana, 'POST', '/members/', { email: budi.email, password: budi.password, role: 'agent' });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  const budiUserId = added.body.user_id;

  const customer = await customerWritesFirst(ana, sandbox, newCustomer('Team'));

  const context = await browser.newContext({ storageState: undefined });
  const budiPage = await loginAs(context, budi);
  await budiPage.goto('/');
  await expect(budiPage.getByTestId('chat-list')).toBeVisible();
  await budiPage.getByTestId('view-mine').click();
  await expect(chatItem(budiPage, customer.name)).toHaveCount(0);
  await expect(budiPage.getByTestId('count-mine')).toHaveText('0');

  // Ana assigns the chat to Budi from the thread header.
  await openChat(ana, customer.name);
  await ana.getByTestId('assignee-select').selectOption(String(budiUserId));
  await expect(ana.getByTestId('system-line').filter({ hasText: `assigned this to ${budi.email}` })).toBeVisible();

  // Budi's Mine view shows it at once (the chat.updated frame), with its count.
  await expect(chatItem(budiPage, customer.name)).toBeVisible();
  await expect(budiPage.getByTestId('count-mine')).toHaveText('1');
  await openChat(budiPage, customer.name);
  await expect(budiPage.getByTestId('system-line').filter({ hasText: `assigned this to ${budi.email}` })).toBeVisible();
  await screenshot(budiPage, 'team-budi-mine');

  // A private note: shown to both agents as a note, never sent to the customer.
  const noteText = `Internal ${stamp}: check the refund first`;
  await budiPage.getByTestId('note-toggle').click();
  await budiPage.getByTestId('composer').fill(noteText);
  await budiPage.getByTestId('composer').press('Enter');
  await expect(bubbleWithText(budiPage, noteText).getByTestId('note-tag')).toBeVisible();
  await expect(bubbleWithText(ana, noteText).getByTestId('note-tag')).toBeVisible();
  await budiPage.getByTestId('note-toggle').click();

  // A canned reply: "/" opens the list, Enter inserts it rendered with the customer's first name.
  const shortcut = `thanks${stamp}`;
  const made = await apiInPage(ana, 'POST', '/canned-replies/', { shortcut, body: 'Hi {{contact.first_name}}, thanks for waiting!' });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  await budiPage.getByTestId('composer').fill(`/${shortcut.slice(0, 8)}`);
  await expect(budiPage.getByTestId('canned-item').filter({ hasText: `/${shortcut}` })).toBeVisible();
  await budiPage.getByTestId('composer').press('Enter');
  const greeting = `Hi ${customer.name.split(' ')[0]}, thanks for waiting!`;
  await expect(budiPage.getByTestId('composer')).toHaveValue(greeting);
  await budiPage.getByTestId('composer').press('Enter');
  await expect(bubbleWithText(budiPage, greeting)).toBeVisible();
  // The customer's phone gets the reply and never the note.
  const phone = await waitFor(async () => {
    const seen = await sandbox.customer(customer.phone);
    const bodies = JSON.stringify(seen);
    return bodies.includes(greeting) ? bodies : null;
  }, { what: 'the canned reply on the customer phone' });
  expect(phone).not.toContain(noteText);
  await screenshot(budiPage, 'team-note-and-canned');

  // Budi resolves it: it leaves the Open view, and Ana's header says Resolved.
  await budiPage.getByTestId('resolve').click();
  await expect(budiPage.getByTestId('chat-status')).toHaveText('Resolved');
  await expect(chatItem(budiPage, customer.name)).toHaveCount(0);
  await expect(ana.getByTestId('chat-status')).toHaveText('Resolved');
  await expect(ana.getByTestId('system-line').filter({ hasText: `${budi.email} resolved this` })).toBeVisible();

  // The customer writes again: the chat reopens for Budi, under Mine, with the line saying why.
  await sandbox.inbound(customer.phone, 'One more thing', { name: customer.name });
  await expect(chatItem(budiPage, customer.name)).toBeVisible();
  await expect(budiPage.getByTestId('chat-status')).toHaveText('Open');
  await expect(budiPage.getByTestId('system-line').filter({ hasText: 'Reopened: the customer wrote' })).toBeVisible();
  await screenshot(budiPage, 'team-reopened');

  // The REST list under the same filters agrees with what the socket built.
  const fresh = await apiInPage(budiPage, 'GET', '/chats/?assignee=me&status=open');
  expect(fresh.body.results.map((row) => row.id)).toContain(customer.contactId);
  await context.close();
});

test('keyboard: Alt+A takes the chat, Alt+R resolves and reopens', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Keys'));
  await openChat(page, customer.name);
  await page.keyboard.press('Alt+a');
  await expect(page.getByTestId('system-line').filter({ hasText: 'took this' })).toBeVisible();
  await page.keyboard.press('Alt+r');
  await expect(page.getByTestId('chat-status')).toHaveText('Resolved');
  await page.getByTestId('status-filter').selectOption('resolved');
  await expect(chatItem(page, customer.name)).toBeVisible();
  await page.keyboard.press('Alt+r');
  await expect(page.getByTestId('chat-status')).toHaveText('Open');
  await page.getByTestId('status-filter').selectOption('open');
  await expect(chatItem(page, customer.name)).toBeVisible();
});
