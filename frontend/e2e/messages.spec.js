// What a bubble can carry, end to end: replies, reactions both ways, edits and deletes by the
// customer, inbound media (placeholder, then the file), attachments with preview and upload.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbleWithText, holdRequests, screenshot } from './fixtures.js';
import { waitFor } from './stack.js';

// 1x1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test.describe('messages', () => {
  test('Shift+Enter breaks the line, Enter sends; a reply quotes its message', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Reply'), 'Which sizes do you have?');
    await openChat(page, customer.name);
    const composer = page.getByTestId('composer');
    await composer.fill('S, M');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('and L');
    await expect(composer).toHaveValue('S, M\nand L');
    await expect(bubbleWithText(page, 'and L')).toHaveCount(0);
    // reply to the customer's question
    const question = bubbleWithText(page, 'Which sizes do you have?');
    await question.hover();
    await question.getByTestId('reply').click();
    await expect(page.getByTestId('reply-preview')).toContainText('Which sizes do you have?');
    await expect(page.getByTestId('reply-preview').getByTestId('quote-author')).toHaveText(customer.name);
    await composer.press('Enter');
    const answer = bubbleWithText(page, 'and L');
    await expect(answer).toBeVisible();
    await expect(answer.getByTestId('quote')).toContainText('Which sizes do you have?');
    await expect(answer.getByTestId('quote-author')).toHaveText(customer.name); // not "Customer"
    await screenshot(page, 'thread-reply-quote');
    await expect(answer.locator('.ticks')).toHaveAttribute('data-status', /^(sent|delivered|read|played)$/);
    // the customer got it as a reply
    const received = await sandbox.customer(customer.phone);
    const got = received.received.find((m) => (m.body || '').includes('and L'));
    expect(got).toBeTruthy();
    expect(got.reply_to).toBeTruthy();
  });

  test('reactions: the agent reacts, the customer reacts back', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('React'), 'Thanks a lot!');
    await openChat(page, customer.name);
    const bubble = bubbleWithText(page, 'Thanks a lot!');
    await bubble.hover();
    await bubble.getByTestId('react').click();
    await page.locator('.reaction-picker [data-emoji="❤️"]').click();
    await expect(bubble.getByTestId('reactions')).toContainText('❤️');
    await expect.poll(async () => (await sandbox.customer(customer.phone)).reactions.map((r) => r.emoji)).toContain('❤️');

    await page.getByTestId('composer').fill('You are welcome');
    await page.getByTestId('composer').press('Enter');
    const mine = bubbleWithText(page, 'You are welcome');
    await expect(mine.locator('.ticks')).toHaveAttribute('data-status', /^(sent|delivered|read|played)$/);
    const waId = await waitFor(
      async () => (await sandbox.customer(customer.phone)).received.find((m) => m.body === 'You are welcome')?.wa_message_id,
      { what: 'the customer to receive the message' },
    );
    await sandbox.react(customer.phone, waId, '👍');
    await expect(mine.getByTestId('reactions')).toContainText('👍');
  });

  test('the customer edits and deletes: "edited", then deleted with the original for agents', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Edit'));
    await openChat(page, customer.name);
    const { wa_message_id: waId } = await sandbox.inbound(customer.phone, 'my adress is Jl. Merdeka 1');
    await expect(bubbleWithText(page, 'my adress is Jl. Merdeka 1')).toBeVisible();
    await sandbox.edit(customer.phone, waId, 'my address is Jl. Merdeka 10');
    const key = await bubbleWithText(page, 'my address is Jl. Merdeka 10').getAttribute('data-message-key');
    const edited = page.locator(`[data-testid=thread] [data-message-key="${key}"]`);
    await expect(edited.getByTestId('edited-mark')).toBeVisible();
    await sandbox.revoke(customer.phone, waId);
    await expect(edited.getByTestId('deleted-mark')).toContainText('This message was deleted');
    await edited.getByTestId('show-original').click();
    await expect(edited.getByTestId('original')).toContainText('Jl. Merdeka 10');
  });

  test('inbound image: a placeholder, then the picture once fetched', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Media'));
    await openChat(page, customer.name);
    await sandbox.inbound(customer.phone, undefined, { type: 'image', media: 'sample:image', caption: 'the broken part' });
    const bubble = bubbleWithText(page, 'the broken part');
    await expect(bubble).toBeVisible();
    const img = bubble.locator('img.media__image');
    await expect(img).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => img.evaluate((el) => el.complete && el.naturalWidth > 0)).toBe(true);
    await sandbox.inbound(customer.phone, undefined, { type: 'document', media: 'sample:document' });
    await expect(page.locator('[data-testid=thread] [data-testid=media-document]').last()).toBeVisible({ timeout: 30_000 });
  });

  test('attach an image: preview, caption, upload progress, then the bubble reaches the customer', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Attach'));
    await openChat(page, customer.name);
    await page.getByTestId('file-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG });
    await expect(page.getByTestId('attachment-preview')).toBeVisible();
    await expect(page.getByTestId('attachment-preview').locator('img')).toBeVisible();
    await page.getByTestId('attachment-caption').fill('here is the photo');
    // the upload is held in flight until the bubble has shown its progress bar
    const upload = await holdRequests(page, (url, request) => request.method() === 'POST' && url.pathname === '/api/v1/media/');
    await page.getByTestId('attachment-send').click();
    const bubble = bubbleWithText(page, 'here is the photo');
    await expect(bubble).toBeVisible();
    await expect(bubble.locator('img')).toBeVisible();
    await expect(bubble.getByTestId('upload-progress')).toBeVisible();
    await expect(bubble.getByTestId('upload-progress')).toHaveAttribute('role', 'progressbar');
    expect(upload.count()).toBe(1);
    upload.release();
    await expect(bubble.getByTestId('upload-progress')).toHaveCount(0, { timeout: 30_000 });
    await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', /^(sent|delivered|read|played)$/, { timeout: 30_000 });
    await expect.poll(async () => (await sandbox.customer(customer.phone)).received.some((m) => m.type === 'image' && (m.caption || '') === 'here is the photo')).toBe(true);
  });
});
