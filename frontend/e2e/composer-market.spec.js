// Issue 17, desktop and phone: a picture pasted into the composer (a real Ctrl+V of the clipboard)
// and files dropped on the chat open the same preview and are sent; a mute made on one device of
// an agent is on their other device at once (server-side, chat.muted) and survives a reload; the
// shipped emoji font (Twemoji, COLR) draws the emoji of messages and the reaction picker, fetched
// from /static/ only once an emoji shows.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbles, chatItem, apiInPage, screenshot } from './fixtures.js';

// A small real PNG, drawn in the page (the clipboard decodes what it is given).
const DRAW_PNG = `new Promise((resolve) => {
  const canvas = document.createElement('canvas');
  canvas.width = 24; canvas.height = 16;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#25d366'; ctx.fillRect(0, 0, 24, 16);
  canvas.toBlob(resolve, 'image/png');
})`;
const sentStatus = /^(sent|delivered|read|played)$/;

test('a picture pasted into the composer opens the preview and is sent', async ({ inbox: page, sandbox, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Paste'));
  await openChat(page, customer.name);
  // A screenshot in the clipboard, as the system's "copy image" leaves it.
  await page.evaluate(async (draw) => {
    const blob = await eval(draw); // eslint-disable-line no-eval
    await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
  }, DRAW_PNG);
  await page.getByTestId('composer').focus();
  await page.keyboard.press('ControlOrMeta+V');
  const preview = page.getByTestId('attachment-preview');
  await expect(preview).toBeVisible();
  await expect(preview.locator('img')).toBeVisible(); // the same preview as the attach button's
  await page.getByTestId('attachment-caption').fill('pasted screenshot');
  await page.getByTestId('attachment-send').click();
  const bubble = bubbles(page).filter({ hasText: 'pasted screenshot' });
  await expect(bubble.locator('img')).toBeVisible();
  await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', sentStatus, { timeout: 30_000 });
  await expect(page.getByTestId('composer')).toHaveValue(''); // the picture, not its name, went in
});

test('files dropped on the open chat open the same preview', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Drop'));
  await openChat(page, customer.name);
  const dropped = await page.evaluateHandle(async (draw) => {
    const blob = await eval(draw); // eslint-disable-line no-eval
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
    return transfer;
  }, DRAW_PNG);
  const thread = page.getByTestId('thread');
  await thread.dispatchEvent('dragenter', { dataTransfer: dropped });
  await expect(thread).toHaveClass(/thread--dropping/);
  await thread.dispatchEvent('drop', { dataTransfer: dropped });
  await expect(page.getByTestId('attachment-preview')).toHaveAttribute('aria-label', 'dropped.png');
  await expect(thread).not.toHaveClass(/thread--dropping/);
  await page.getByTestId('attachment-caption').press('Escape');
  await expect(page.getByTestId('attachment-preview')).toHaveCount(0);
});

test('a mute made on one device is on the agent\'s other device at once, and stays', async ({ inbox: page, sandbox, browser, storageState }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Mute'));
  const other = await browser.newContext({ storageState });
  const phone = await other.newPage();
  try {
    await phone.goto('/');
    await expect(chatItem(phone, customer.name)).toBeVisible();
    await expect(chatItem(phone, customer.name).getByTestId('chat-muted')).toHaveCount(0);

    await openChat(page, customer.name);
    await page.getByTestId('thread-menu').click();
    await page.getByTestId('mute-hours8').click();
    await expect(chatItem(page, customer.name).getByTestId('chat-muted')).toBeVisible();
    // The other device hears it from the server (chat.muted to this member's sockets).
    await expect(chatItem(phone, customer.name).getByTestId('chat-muted')).toBeVisible();
    const mutes = await apiInPage(page, 'GET', '/mutes/');
    const mine = mutes.body.find((m) => m.contact_id === customer.contactId);
    expect(Date.parse(mine.muted_until) - Date.now()).toBeGreaterThan(7.9 * 3600 * 1000);

    await phone.reload();
    await expect(chatItem(phone, customer.name).getByTestId('chat-muted')).toBeVisible();
    await page.getByTestId('thread-menu').click();
    await expect(page.getByTestId('mute-state')).toContainText('Muted until');
    await page.getByTestId('unmute').click();
    await expect(chatItem(phone, customer.name).getByTestId('chat-muted')).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test('emoji are drawn with the shipped font, fetched only once an emoji shows', async ({ inbox: page, sandbox }) => {
  const fonts = [];
  page.on('response', (response) => {
    if (response.url().endsWith('.woff2')) fonts.push(new URL(response.url()).pathname);
  });
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Emoji'), 'Terima kasih 🙏😂');
  await openChat(page, customer.name);
  const bubble = bubbles(page).filter({ hasText: 'Terima kasih' });
  await expect(bubble).toBeVisible();
  const text = bubble.locator('.bubble__text');
  expect(await text.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/^"Blazz Emoji"/);
  await expect.poll(() => page.evaluate(() => [...document.fonts].find((f) => f.family.replace(/"/g, '') === 'Blazz Emoji')?.status)).toBe('loaded');
  await expect.poll(() => fonts.length).toBeGreaterThan(0);
  expect(fonts.every((p) => /^\/static\/assets\/twemoji-.*\.woff2$/.test(p))).toBe(true); // ours, no CDN
  await bubble.hover();
  await bubble.getByTestId('react').click();
  const picker = bubble.locator('.reaction-picker');
  await expect(picker).toBeVisible();
  await screenshot(page, 'thread-emoji');
  expect(await picker.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/^"Blazz Emoji"/);
});
