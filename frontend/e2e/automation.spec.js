// Automation settings with the real stack: a template and an auto-reply rule made in the page, the
// rule tester, the sandbox customer's keyword answered by the worker, the composer's template picker.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbleWithText } from './fixtures.js';

test('automation: a rule made in the settings answers a customer; the composer previews a template', async ({ page, sandbox }) => {
  const tag = `${Date.now() % 1e6}`;
  const customer = newCustomer('Auto');
  await page.goto('/automation');
  await expect(page.locator('h1')).toHaveText('Automation');

  const templateForm = page.getByTestId('template-form');
  await templateForm.getByLabel('Name').fill(`E2E Promo ${tag}`);
  await templateForm.getByLabel('Text').fill('Halo {{contact.name}}, promo minggu ini!');
  await templateForm.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('template-row').filter({ hasText: `E2E Promo ${tag}` })).toBeVisible();

  await page.getByTestId('tab-rules').click();
  const ruleForm = page.getByTestId('rule-form');
  await ruleForm.getByLabel('Name').fill(`E2E rule ${tag}`);
  await ruleForm.getByLabel('Keyword or pattern').fill(`kode${tag}`);
  await ruleForm.getByLabel('Reply text').fill(`Balasan otomatis ${tag}`);
  await ruleForm.getByRole('button', { name: 'Create' }).click();
  const row = page.getByTestId('rule-row').filter({ hasText: `E2E rule ${tag}` });
  await expect(row).toBeVisible();
  await page.getByTestId('rule-tester').getByRole('textbox').fill(`Ada KODE${tag}?`);
  await page.getByTestId('rule-tester').getByRole('button', { name: 'Test' }).click();
  await expect(page.getByTestId('tester-result')).toContainText(`E2E rule ${tag}`);

  await page.goto('/');
  await customerWritesFirst(page, sandbox, customer, `Halo, kode${tag} ya`);
  await openChat(page, customer.name);
  await expect(bubbleWithText(page, `Balasan otomatis ${tag}`)).toBeVisible({ timeout: 20_000 });

  await page.getByTestId('template-picker').click();
  await page.getByTestId('template-option').filter({ hasText: `E2E Promo ${tag}` }).click();
  await expect(page.getByTestId('template-preview')).toContainText(`Halo ${customer.name}, promo minggu ini!`);
  await page.getByTestId('template-use').click();
  await expect(page.getByTestId('composer')).toHaveValue(`Halo ${customer.name}, promo minggu ini!`);

  await page.goto('/automation');
  await page.getByTestId('tab-rules').click();
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('rule-row').filter({ hasText: `E2E rule ${tag}` }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('rule-row').filter({ hasText: `E2E rule ${tag}` })).toHaveCount(0);
});
