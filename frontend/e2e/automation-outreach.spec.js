// Automation with the real stack, part two: "send later" from the composer (the scheduled bubble,
// edited and cancelled, then sent by beat's sweep), an auto-reply that acts on the team inbox
// (label and status), the Safe sending tab, and the broadcast wizard's CSV upload.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbleWithText, apiInPage } from './fixtures.js';

/** "2026-12-03T14:05" shifted by `minutes` (wall-clock arithmetic on the input's own value). */
function shift(value, minutes) {
  const at = new Date(`${value}:00Z`);
  return new Date(at.getTime() + minutes * 60_000).toISOString().slice(0, 16);
}

test('send later: a scheduled bubble, edited and cancelled, and one that goes out once', async ({ inbox: page, sandbox }) => {
  test.setTimeout(240_000); // the last one goes a minute or two after it is scheduled
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Later'), 'Kabari saya besok ya');
  await openChat(page, customer.name);

  await page.getByTestId('composer').fill('Pengingat: toko buka jam 9');
  await page.getByTestId('schedule-toggle').click();
  const inAnHour = await page.getByTestId('schedule-at').inputValue(); // the agent's zone, an hour ahead
  await page.getByTestId('schedule-confirm').click();
  const first = page.getByTestId('scheduled-bubble').filter({ hasText: 'Pengingat: toko buka jam 9' });
  // "Scheduled for 23:05", or with the date when the hour ahead is tomorrow ("4 Dec 2026, 00:05").
  await expect(first).toContainText(new RegExp(`Scheduled for (\\d+ \\S+ \\d{4}, )?${inAnHour.slice(11)}`));
  await expect(page.getByTestId('composer')).toHaveValue('');

  await first.getByTestId('scheduled-edit-open').click();
  await page.getByTestId('scheduled-edit').getByRole('textbox', { name: 'Message' }).fill('Pengingat: toko buka jam 10');
  await page.getByTestId('scheduled-edit').getByRole('button', { name: 'Save' }).click();
  const edited = page.getByTestId('scheduled-bubble').filter({ hasText: 'jam 10' });
  await expect(edited).toBeVisible();
  await edited.getByTestId('scheduled-cancel').click();
  await expect(page.getByTestId('scheduled-bubble')).toHaveCount(0);

  // One for a minute or two from now: it leaves the foot of the thread and arrives in it, once.
  await page.getByTestId('composer').fill('Terkirim sesuai jadwal');
  await page.getByTestId('schedule-toggle').click();
  const prefilled = await page.getByTestId('schedule-at').inputValue(); // an hour ahead, to the minute
  await page.getByTestId('schedule-at').fill(shift(prefilled, -58)); // one to two minutes ahead
  await page.getByTestId('schedule-confirm').click();
  await expect(page.getByTestId('scheduled-bubble')).toHaveCount(1);
  await expect(bubbleWithText(page, 'Terkirim sesuai jadwal')).toHaveCount(1, { timeout: 150_000 });
  await expect(page.getByTestId('scheduled-bubble')).toHaveCount(0, { timeout: 20_000 });
  await expect.poll(async () => (await sandbox.customer(customer.phone)).received
    .filter((m) => m.body === 'Terkirim sesuai jadwal').length, { timeout: 30_000 }).toBe(1);
});

test('an auto-reply labels the chat and sets it pending; safe sending settings; a CSV broadcast draft', async ({ inbox: page, sandbox }) => {
  const tag = `${Date.now() % 1e6}`;
  const label = await apiInPage(page, 'POST', '/labels/', { name: `lead-${tag}`, color: '#0a7cff' });
  expect(label.status).toBe(201);
  const template = await apiInPage(page, 'POST', '/templates/', { name: `E2E CSV ${tag}`, body: 'Halo {{contact.name}}' });
  expect(template.status).toBe(201);

  await page.goto('/automation');
  await page.getByTestId('tab-rules').click();
  const form = page.getByTestId('rule-form');
  await form.getByLabel('Name').fill(`E2E triage ${tag}`);
  await form.getByLabel('Keyword or pattern').fill(`harga${tag}`);
  await form.getByLabel('Reply text').fill(`Tim kami segera membalas ${tag}`);
  await form.getByLabel('Set the status to').selectOption('pending');
  await form.getByLabel('Add labels').selectOption(String(label.body.id));
  await form.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('rule-row').filter({ hasText: `E2E triage ${tag}` })).toBeVisible();

  await page.getByTestId('tab-sending').click();
  const keywords = page.getByTestId('optout-form').getByRole('textbox');
  await expect(keywords).toHaveValue(/BERHENTI/);
  await keywords.fill(`STOP\nBERHENTI\nCUKUP${tag}`);
  await page.getByTestId('optout-form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('optout-form').getByRole('status')).toHaveText('Saved.');
  const limits = page.getByTestId('limits-form');
  await limits.getByLabel('Per minute').fill('30');
  await limits.getByLabel('Warm-up days for a new number').fill('0');
  await limits.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('limits-effective')).toContainText('30/min');

  await page.getByTestId('tab-broadcasts').click();
  const wizard = page.getByTestId('broadcast-wizard');
  await wizard.getByLabel('Name').fill(`E2E CSV ${tag}`);
  await wizard.getByLabel('Template').selectOption(String(template.body.id));
  const csv = `phone;name\n0812-7${tag.padStart(6, '0')}1;Ani\n12;Bad\n+62 812 7${tag.padStart(6, '0')}2;Budi\n`;
  await page.getByTestId('broadcast-csv').setInputFiles({ name: 'penerima.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await wizard.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('broadcast-draft')).toContainText('2 recipients');
  await expect(page.getByTestId('bad-row')).toHaveCount(1);
  await expect(page.getByTestId('bad-row')).toContainText('Line 3');
  await page.getByTestId('broadcast-draft').getByRole('button', { name: 'Cancel' }).click();

  await page.goto('/');
  // The rule sets the chat pending, maybe before it is first listed: the list shows every status.
  await page.getByTestId('status-filter').selectOption({ value: '' });
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Triage'), `Berapa harga${tag}?`);
  await openChat(page, customer.name);
  await expect(bubbleWithText(page, `Tim kami segera membalas ${tag}`)).toBeVisible({ timeout: 20_000 });
  await expect.poll(async () => {
    const chat = (await apiInPage(page, 'GET', `/chats/${customer.contactId}/`)).body;
    return `${chat.status} ${chat.labels.map((l) => l.name).join(',')}`;
  }, { timeout: 20_000 }).toBe(`pending lead-${tag}`);

  await page.goto('/automation');
  await page.getByTestId('tab-rules').click();
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('rule-row').filter({ hasText: `E2E triage ${tag}` }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('rule-row').filter({ hasText: `E2E triage ${tag}` })).toHaveCount(0);
});
