// The contact panel and the team settings with two agents in two browser contexts: Ana (the demo
// owner) defines a label and a contact field in Settings, renames the customer, labels the chat
// and fills the field from her panel; Budi's open panel and list row follow at once. Budi names
// himself in his profile, Ana's note that mentions him pops a toast in his inbox, and in
// Indonesian the thread's system lines read in Indonesian. On a phone the panel is a drawer.
import { test, expect, newCustomer, chatItem, customerWritesFirst, openChat, apiInPage, screenshot } from './fixtures.js';
import AxeBuilder from '@axe-core/playwright';
import { STACK } from './stack.js';

async function inviteAgent(ana, browser, stamp) {
  const budi = { email: `budi-${stamp}@example.com`, password: `Kiwi-${crypto.randomUUID()}`, name: `Budi ${stamp}` };
  const invited = await apiInPage(ana, 'POST', '/members/', { email: budi.email, role: 'agent' });
  expect(invited.status, JSON.stringify(invited.body)).toBe(201);
  const context = await browser.newContext({ storageState: undefined });
  const page = await context.newPage();
  await page.goto(invited.body.invite_url.replace(/^https?:\/\/[^/]+/, STACK.demoUrl));
  await page.fill('input[name=name]', budi.name);
  await page.fill('input[name=password]', budi.password);
  await Promise.all([page.waitForURL(`${STACK.demoUrl}/`), page.locator('form button[type=submit]').click()]);
  await expect(page.getByTestId('chat-list')).toBeVisible();
  const members = await apiInPage(ana, 'GET', '/members/');
  budi.userId = members.body.find((member) => member.email === budi.email).user_id;
  return { budi, page, context };
}

test('the contact panel: edits by one agent show in the other\'s open panel and list at once', async ({ inbox: ana, sandbox, browser }) => {
  const stamp = `${Date.now()}`.slice(-7);
  const customer = await customerWritesFirst(ana, sandbox, newCustomer('Panel'));
  const other = await customerWritesFirst(ana, sandbox, newCustomer('Unlabelled'));

  // Settings (owners and admins): a label with its colour, a choice field, the inbox's rules.
  await ana.goto('/settings');
  const labelName = `VIP ${stamp}`;
  await ana.getByTestId('label-name').fill(labelName);
  await ana.getByTestId('label-color').fill('#e91e63');
  await ana.getByTestId('label-create').click();
  await expect(ana.getByTestId('label-row').locator(`input[value="${labelName}"]`)).toHaveCount(1);
  const fieldKey = `plan_${stamp}`;
  await ana.getByTestId('field-name').fill(`Plan ${stamp}`);
  await ana.getByTestId('field-key').fill(fieldKey);
  await ana.getByTestId('field-type').selectOption('choice');
  await ana.getByTestId('field-choices').fill('free, pro');
  await ana.getByTestId('field-create').click();
  await expect(ana.getByTestId('field-row').filter({ hasText: fieldKey })).toBeVisible();
  const shortcut = `hello${stamp}`;
  await ana.getByTestId('canned-shortcut').fill(`/${shortcut}`);
  await ana.getByTestId('canned-body').fill('Hello {{contact.first_name}}!');
  await ana.getByTestId('canned-save').click();
  const cannedRow = ana.getByTestId('canned-row').filter({ hasText: `/${shortcut}` });
  await expect(cannedRow).toContainText('Hello {{contact.first_name}}!');
  ana.once('dialog', (dialog) => dialog.accept());
  await cannedRow.getByTestId('canned-delete').click();
  await expect(cannedRow).toHaveCount(0);
  await ana.getByTestId('own-only').check();
  await expect.poll(async () => (await apiInPage(ana, 'GET', '/inbox-settings/')).body.agents_see_own_only).toBe(true);
  await ana.getByTestId('own-only').uncheck();
  await expect.poll(async () => (await apiInPage(ana, 'GET', '/inbox-settings/')).body.agents_see_own_only).toBe(false);
  await screenshot(ana, 'team-settings');

  const { budi, page: budiPage, context } = await inviteAgent(ana, browser, stamp);
  // Budi names himself in his profile.
  await budiPage.goto('/settings');
  await expect(budiPage.getByTestId('labels-settings')).toHaveCount(0);
  budi.name = `Budi Santoso ${stamp}`;
  await budiPage.getByTestId('profile-name').fill(budi.name);
  await budiPage.getByTestId('profile-save').click();
  await expect(budiPage.getByTestId('profile-saved')).toBeVisible();
  await budiPage.goto(`/chats/${customer.contactId}`);
  await budiPage.getByTestId('panel-toggle').click();
  await expect(budiPage.getByTestId('contact-panel')).toBeVisible();
  await expect(budiPage.getByTestId('panel-phone')).toHaveText(`+${customer.phone}`);

  // Ana edits from her panel: the name, a label, the field; Budi's panel and row follow.
  await ana.goto('/');
  await openChat(ana, customer.name);
  await ana.getByTestId('panel-toggle').click();
  const renamed = `${customer.name} Renamed`;
  await ana.getByTestId('panel-name').fill(renamed);
  await ana.getByTestId('panel-name').press('Enter');
  await expect(budiPage.getByTestId('panel-name')).toHaveValue(renamed);
  await expect(chatItem(budiPage, renamed)).toBeVisible();
  await ana.getByTestId('label-add').selectOption({ label: labelName });
  await expect(ana.getByTestId('panel-label').filter({ hasText: labelName })).toBeVisible();
  await expect(budiPage.getByTestId('panel-label').filter({ hasText: labelName })).toBeVisible();
  await expect(chatItem(budiPage, renamed).getByTestId('chat-label')).toHaveText(labelName);
  await ana.locator(`[data-field="${fieldKey}"] select`).selectOption('pro');
  await expect(budiPage.locator(`[data-field="${fieldKey}"] select`)).toHaveValue('pro');
  const stored = await apiInPage(ana, 'GET', `/contacts/${customer.contactId}/`);
  expect(stored.body.custom_fields[fieldKey]).toBe('pro');
  await screenshot(budiPage, 'team-panel-live');

  // The label filter, with its count: only the labelled chat.
  await ana.getByTestId('label-filter').selectOption({ label: `${labelName} (1)` });
  await expect(chatItem(ana, renamed)).toBeVisible();
  await expect(chatItem(ana, other.name)).toHaveCount(0);
  await ana.getByTestId('label-filter').selectOption('');
  await expect(chatItem(ana, other.name)).toBeVisible();

  // A note that mentions Budi: a toast in his inbox; the panel's note count moves.
  await ana.getByTestId('note-toggle').click();
  await ana.getByTestId('composer').fill(`@budi-${stamp} please check the plan`);
  await ana.getByTestId('composer').press('Enter');
  await ana.getByTestId('note-toggle').click();
  await expect(budiPage.getByTestId('mention-toast')).toContainText(`mentioned you in ${renamed}`);
  await expect(budiPage.getByTestId('panel-notes')).toHaveText('1');

  // Ana assigns the chat to Budi: his new name in the line; in Indonesian for him.
  await ana.getByTestId('assignee-select').selectOption(String(budi.userId));
  await expect(ana.getByTestId('system-line').filter({ hasText: `assigned this to ${budi.name}` })).toBeVisible();
  await expect(budiPage.getByTestId('panel-assignee')).toHaveText(budi.name);
  expect((await apiInPage(budiPage, 'PATCH', '/me/preferences/', { language: 'id' })).status).toBe(200);
  await budiPage.reload();
  await expect(budiPage.getByTestId('system-line').filter({ hasText: `menugaskan ini ke ${budi.name}` })).toBeVisible();
  await screenshot(budiPage, 'team-system-line-id');
  await context.close();
});

test('on a phone the contact panel is a drawer over the thread, with no serious axe violation; Escape closes it', async ({ inbox: page, sandbox }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Drawer'));
  await openChat(page, customer.name);
  await page.getByTestId('panel-toggle').click();
  const panel = page.getByTestId('contact-panel');
  await expect(panel).toBeVisible();
  const box = await panel.boundingBox();
  expect(Math.round(box.width)).toBe(390);
  expect(await panel.evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
  await screenshot(page, 'team-panel-phone');
  const axe = await new AxeBuilder({ page }).include('[data-testid=contact-panel]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
});
