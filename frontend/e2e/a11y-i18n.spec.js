// Issue 17: keyboard and screen readers (axe-core: no serious or critical violation on the inbox,
// sessions, settings and automation pages, each automation tab too), phones (nothing wider than a 360 px screen), and Indonesian: a
// browser in id-ID gets every page in Indonesian, server errors included.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, newCustomer, customerWritesFirst, openChat } from './fixtures.js';

const PAGES = [
  { name: 'inbox', path: '/', ready: (page) => page.getByTestId('chat-list') },
  { name: 'sessions', path: '/sessions', ready: (page) => page.getByTestId('add-session') },
  { name: 'settings', path: '/settings', ready: (page) => page.getByTestId('preferences') },
  { name: 'automation', path: '/automation', ready: (page) => page.getByTestId('tab-templates') },
];
const AUTOMATION_TABS = ['templates', 'hours', 'rules', 'broadcasts'];

async function seriousViolations(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

for (const p of PAGES) {
  test(`${p.name}: no serious or critical accessibility violation`, async ({ page }) => {
    await page.goto(p.path);
    await expect(p.ready(page)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test(`${p.name}: nothing is wider than a 360 px phone`, async ({ page }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(p.path);
    await expect(p.ready(page)).toBeVisible();
    const wide = await page.evaluate(() => {
      const limit = document.documentElement.clientWidth;
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > limit + 1 && getComputedStyle(el).position !== 'fixed') {
          out.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} right=${Math.round(box.right)}`);
        }
      }
      return { scroll: document.documentElement.scrollWidth - limit, wide: out.slice(0, 5) };
    });
    expect(wide).toEqual({ scroll: 0, wide: [] });
  });
}

test('automation: no tab has a serious or critical violation', async ({ page }) => {
  await page.goto('/automation');
  for (const tab of AUTOMATION_TABS) {
    await page.getByTestId(`tab-${tab}`).click();
    await expect(page.getByTestId(`tab-${tab}`)).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('heading', { level: 2 }).first()).toBeVisible();
    expect(await seriousViolations(page), tab).toEqual([]);
  }
});

test('an open chat has no serious violation, and a new message is announced', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('A11y'));
  await openChat(page, customer.name);
  expect(await seriousViolations(page)).toEqual([]);
  await sandbox.inbound(customer.phone, 'Is the blue one in stock?', { name: customer.name });
  await expect(page.getByTestId('thread-announcer')).toHaveText(`New message from ${customer.name}: Is the blue one in stock?`);
});

test('keyboard: arrows move through the chats, Escape closes the top layer and the focus goes back', async ({ inbox: page, sandbox }) => {
  const first = await customerWritesFirst(page, sandbox, newCustomer('Kb1'));
  const second = await customerWritesFirst(page, sandbox, newCustomer('Kb2'));
  const items = page.locator('[data-testid=chat-item]');
  await page.locator('[data-testid=chat-item]', { hasText: second.name }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('[data-testid=chat-item]:focus')).toContainText(first.name);
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('[data-testid=chat-item]:focus')).toContainText(second.name);
  expect(await items.count()).toBeGreaterThan(1);

  await page.getByTestId('new-chat').click();
  await expect(page.getByTestId('new-chat-dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('new-chat-dialog')).toHaveCount(0);
  await expect(page.getByTestId('new-chat')).toBeFocused();

  await openChat(page, first.name);
  const bubble = page.locator('[data-testid=thread] [data-testid=message]').last();
  await bubble.focus();
  await expect(bubble.getByTestId('react')).toBeVisible(); // the message's menu shows on focus
  await bubble.getByTestId('react').click();
  await expect(bubble.locator('.reaction-picker')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(bubble.locator('.reaction-picker')).toHaveCount(0);
  await expect(bubble.getByTestId('react')).toBeFocused();
});

test.describe('a browser in Indonesian', () => {
  test.use({ locale: 'id-ID', timezoneId: 'Asia/Jakarta' });

  test('every page, the day separators and the server errors are in Indonesian', async ({ page, sandbox }) => {
    await page.goto('/');
    await expect(page.getByTestId('search')).toHaveAttribute('placeholder', 'Cari atau mulai chat baru');
    await expect(page.getByTestId('nav-settings')).toHaveAttribute('aria-label', 'Pengaturan');
    await expect(page.locator('html')).toHaveAttribute('lang', 'id');

    const customer = await customerWritesFirst(page, sandbox, newCustomer('Indo'), 'Halo, apakah masih ada?');
    await openChat(page, customer.name);
    await expect(page.getByTestId('day-separator').last()).toHaveText('Hari ini');
    await expect(page.getByTestId('composer')).toHaveAttribute('placeholder', 'Ketik pesan');

    await page.getByTestId('new-chat').click();
    await page.getByTestId('new-chat-phone').fill('12');
    await page.getByTestId('new-chat-submit').click();
    await expect(page.getByTestId('new-chat-error')).toContainText('Ini bukan nomor telepon');
    await page.keyboard.press('Escape');

    await page.getByTestId('nav-sessions').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nomor WhatsApp');
    await expect(page.getByTestId('session-add')).toHaveText('Tambah nomor');
    await expect(page.getByTestId('session-status').first()).toHaveText(/Tersambung|Pindai kode QR|Memulai|Gagal|Terputus/);

    await page.goto('/settings');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pengaturan');
    await expect(page.getByTestId('preferences')).toContainText('Bahasa dan zona waktu');
    await expect(page.getByRole('heading', { name: 'Anggota' })).toBeVisible();

    await page.goto('/automation');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Otomatisasi');
    const tabs = { templates: 'Templat', hours: 'Jam kerja', rules: 'Balasan otomatis', broadcasts: 'Siaran' };
    for (const [tab, name] of Object.entries(tabs)) {
      await page.getByTestId(`tab-${tab}`).click();
      await expect(page.getByTestId(`tab-${tab}`)).toHaveText(name);
      await expect(page.getByRole('heading', { level: 2 }).first()).toHaveText(name);
    }
    await page.getByTestId('tab-hours').click();
    await expect(page.getByText('Kosongkan semua hari agar selalu buka.')).toBeVisible();
    await expect(page.getByLabel('Senin')).toBeVisible();
    await page.getByTestId('tab-rules').click();
    await expect(page.getByText('Penguji aturan')).toBeVisible();
  });
});
