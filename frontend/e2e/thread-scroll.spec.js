// Media-heavy chats (issue 12 item 4): a chat of images, videos and voice notes opens at the
// bottom and stays there while the media load; a burst of media at the bottom keeps the newest
// in view; no "new messages" pill without new messages; a jump-to-bottom button whenever the
// view is not at the bottom.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbles, apiInPage, screenshot } from './fixtures.js';

const MEDIA = [
  { type: 'image', media: 'sample:image', caption: 'the front' },
  { type: 'voice', media: 'sample:voice' },
  { type: 'video', media: 'sample:video', caption: 'how it rattles' },
  { type: 'image', media: 'sample:png' },
  { type: 'voice', media: 'sample:voice' },
  { type: 'image', media: 'sample:image', caption: 'the back' },
  { type: 'video', media: 'sample:video' },
  { type: 'sticker', media: 'sample:sticker' },
  { type: 'audio', media: 'sample:audio' },
  { type: 'image', media: 'sample:image', caption: 'the label' },
];

/** Every message of the contact is stored and its media fetched (placeholders gone). */
async function allMediaReady(page, contactId, count) {
  await expect.poll(async () => {
    const { body } = await apiInPage(page, 'GET', `/contacts/${contactId}/messages/?page_size=100`);
    const results = body?.results || [];
    return results.length >= count && results.every((m) => !m.media || m.media.ready);
  }, { timeout: 120_000, message: 'every media fetched by the worker' }).toBe(true);
}

/**
 * Resolves once the thread's media have their final size: every image decoded, every video with
 * its metadata (its size), then two frames for the layout and the list's re-measure to land.
 */
async function mediaSettled(page) {
  await page.waitForFunction(() => {
    const thread = document.querySelector('[data-testid=thread-scroll]');
    if (!thread) return false;
    const images = [...thread.querySelectorAll('img')];
    const videos = [...thread.querySelectorAll('video')];
    return images.every((i) => i.complete && i.naturalWidth > 0) && videos.every((v) => v.readyState >= 1);
  }, null, { timeout: 30_000 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

function distanceFromBottom(page) {
  return page.getByTestId('thread-scroll').evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));
}

test('a chat of images, videos and voice notes opens at the bottom and stays there', async ({ inbox: page, sandbox }) => {
  test.setTimeout(240_000);
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Media scroll'), 'photos of the broken part coming');
  for (const m of MEDIA) await sandbox.inbound(customer.phone, undefined, m);
  await sandbox.inbound(customer.phone, undefined, { type: 'text', body: 'that is all of them' });
  const total = MEDIA.length + 2;
  await allMediaReady(page, customer.contactId, total);

  // Opened fresh (a reload: the thread store is empty, the media load from the server).
  await page.goto(`/chats/${customer.contactId}`);
  await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
  const lastBubble = bubbles(page).last();
  await expect(lastBubble).toContainText('that is all of them');
  await mediaSettled(page);
  expect(await distanceFromBottom(page), 'the thread opened above its bottom').toBeLessThanOrEqual(2);
  await expect(lastBubble).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('new-messages-pill')).toHaveCount(0);
  await expect(page.getByTestId('jump-to-bottom')).toHaveCount(0);
  await screenshot(page, 'thread-media-opened');

  // A burst of media while at the bottom: the newest stays in view, no pill.
  const burst = [
    { type: 'image', media: 'sample:image', caption: 'one more angle' },
    { type: 'video', media: 'sample:video' },
    { type: 'voice', media: 'sample:voice' },
    { type: 'image', media: 'sample:png', caption: 'and the receipt' },
  ];
  for (const m of burst) await sandbox.inbound(customer.phone, undefined, m);
  await allMediaReady(page, customer.contactId, total + burst.length);
  await expect(bubbles(page).last()).toContainText('and the receipt');
  await expect(bubbles(page).last().locator('img.media__image')).toBeVisible({ timeout: 30_000 });
  await mediaSettled(page);
  expect(await distanceFromBottom(page), 'a media burst left the view above the bottom').toBeLessThanOrEqual(2);
  await expect(bubbles(page).last()).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('new-messages-pill')).toHaveCount(0);
  await expect(page.getByTestId('jump-to-bottom')).toHaveCount(0);

  // Scrolled up: the jump-to-bottom button, which brings the newest back.
  await page.getByTestId('thread-scroll').hover();
  await page.mouse.wheel(0, -600);
  await expect(page.getByTestId('jump-to-bottom')).toBeVisible();
  await expect(page.getByTestId('new-messages-pill')).toHaveCount(0); // nothing new arrived
  await screenshot(page, 'thread-jump-to-bottom');
  await page.getByTestId('jump-to-bottom').click();
  await expect(bubbles(page).last()).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('jump-to-bottom')).toHaveCount(0);
  expect(await distanceFromBottom(page)).toBeLessThanOrEqual(2);
});

test('scrolled up, the jump-to-bottom button counts the messages that arrive', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Jump'), 'line 0');
  for (let i = 1; i < 25; i += 1) await sandbox.inbound(customer.phone, `line ${i}\nwith a second line`);
  await expect(page.locator('[data-testid=chat-item]', { hasText: customer.name }).getByTestId('chat-preview')).toContainText('line 24', { timeout: 60_000 });
  await openChat(page, customer.name);
  await expect(bubbles(page).last()).toContainText('line 24');
  await expect(bubbles(page).last()).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('jump-to-bottom')).toHaveCount(0);
  await page.getByTestId('thread-scroll').hover();
  await page.mouse.wheel(0, -800);
  await expect(page.getByTestId('jump-to-bottom')).toBeVisible();
  await sandbox.inbound(customer.phone, 'news while you read');
  await sandbox.inbound(customer.phone, 'and more news');
  await expect(page.getByTestId('new-messages-pill')).toHaveText(/2 new messages/);
  await page.getByTestId('jump-to-bottom').click();
  await expect(bubbles(page).last()).toContainText('and more news');
  await expect(bubbles(page).last()).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('jump-to-bottom')).toHaveCount(0);
});
