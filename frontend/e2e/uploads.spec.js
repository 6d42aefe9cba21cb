// Uploads that cannot go through (issue 12 item 8): a file over the limit is refused in the
// browser before a byte uploads; a failed upload's bubble says why and offers what can work
// (another file, removal; Retry only when it can work), never spins for nothing, and is still
// there after a reload.
import { test, expect, newCustomer, customerWritesFirst, openChat, bubbles, screenshot } from './fixtures.js';

// 1x1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAAABJRU5ErkJggg==', 'base64');
const png = (name = 'photo.png') => ({ name, mimeType: 'image/png', buffer: PNG });
// A file type the server does not take (415 unsupported_media_type).
const EXE = { name: 'installer.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ not really a program') };

const isUpload = (request) => request.method() === 'POST' && new URL(request.url()).pathname === '/api/v1/media/';

function countUploads(page) {
  const seen = [];
  page.on('request', (request) => {
    if (isUpload(request)) seen.push(request);
  });
  return () => seen.length;
}

async function attach(page, file, caption) {
  await page.getByTestId('file-input').setInputFiles(file);
  await expect(page.getByTestId('attachment-preview')).toBeVisible();
  if (caption) await page.getByTestId('attachment-caption').fill(caption);
}

const sentStatus = /^(sent|delivered|read|played)$/;

test('a file over the limit is refused in the browser before it uploads; another file goes', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Big file'));
  await openChat(page, customer.name);
  const uploads = countUploads(page);
  // 70 MB, made in the page (the server's limit is 64 MB)
  await page.getByTestId('file-input').evaluate((input) => {
    const file = new File([new Uint8Array(70 * 1024 * 1024)], 'site-visit.mp4', { type: 'video/mp4' });
    const picked = new DataTransfer();
    picked.items.add(file);
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  const refusal = page.getByTestId('attachment-too-large');
  await expect(refusal).toContainText('site-visit.mp4 is 70 MB: files up to 64 MB can be sent.');
  await expect(page.getByTestId('attachment-send')).toBeDisabled();
  await screenshot(page, 'upload-too-large');
  // what can work: another file
  await page.getByTestId('attachment-replace-input').setInputFiles(png('smaller.png'));
  await expect(refusal).toHaveCount(0);
  await page.getByTestId('attachment-caption').fill('a smaller one');
  await page.getByTestId('attachment-send').click();
  const bubble = bubbles(page).filter({ hasText: 'a smaller one' });
  await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', sentStatus, { timeout: 30_000 });
  expect(uploads()).toBe(1); // the PNG only: not a byte of the 70 MB
});

test('a refused upload says why, offers another file or removal, and is still there after a reload', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Refused file'));
  await openChat(page, customer.name);
  await attach(page, EXE, 'the installer');
  const [answer] = await Promise.all([
    page.waitForResponse((response) => isUpload(response.request())),
    page.getByTestId('attachment-send').click(),
  ]);
  expect(answer.status()).toBe(415);
  const reason = (await answer.json()).error.message;
  const bubble = bubbles(page).filter({ hasText: 'the installer' });
  await expect(bubble.getByTestId('failure-reason')).toHaveText(`Not sent: ${reason}`);
  await expect(bubble.getByTestId('retry')).toHaveCount(0); // the same file would be refused again
  await expect(bubble.getByTestId('choose-another-file')).toBeVisible();
  await expect(bubble.getByTestId('remove-message')).toBeVisible();
  await expect(bubble.locator('.spinner')).toHaveCount(0);
  await expect(bubble.getByTestId('upload-progress')).toHaveCount(0);
  await screenshot(page, 'upload-refused');

  // a reload: the bubble is still there, failed, with the same ways out
  await page.reload();
  await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
  const restored = bubbles(page).filter({ hasText: 'the installer' });
  await expect(restored.getByTestId('failure-reason')).toHaveText(`Not sent: ${reason}`);
  await expect(restored.getByTestId('media-local-file')).toContainText('installer.exe');
  await expect(restored.locator('.spinner')).toHaveCount(0);

  // another file: the same bubble (its caption) is sent, and reaches the customer
  await restored.getByTestId('replace-file-input').setInputFiles(png('instead.png'));
  await expect(restored.locator('.ticks')).toHaveAttribute('data-status', sentStatus, { timeout: 30_000 });
  await expect(restored.getByTestId('failed')).toHaveCount(0);
  await expect.poll(async () => (await sandbox.customer(customer.phone)).received.filter((m) => (m.caption || '') === 'the installer').map((m) => m.type))
    .toEqual(['image']);

  // one given up on: removed, and still gone after a reload
  await attach(page, { ...EXE, name: 'other.exe' }, 'give up on this one');
  await page.getByTestId('attachment-send').click();
  const doomed = bubbles(page).filter({ hasText: 'give up on this one' });
  await expect(doomed.getByTestId('remove-message')).toBeVisible();
  await doomed.getByTestId('remove-message').click();
  await expect(doomed).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
  await expect(bubbles(page).filter({ hasText: 'the installer' })).toHaveCount(1);
  await expect(bubbles(page).filter({ hasText: 'give up on this one' })).toHaveCount(0);
});

test('an upload cut by the network says so and Retry sends it', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Cut upload'));
  await openChat(page, customer.name);
  // the network fails the first upload (a fault injected from the test side)
  let cut = 0;
  await page.route((url) => url.pathname === '/api/v1/media/', async (route) => {
    if (route.request().method() === 'POST' && cut === 0) {
      cut += 1;
      await route.abort('connectionreset');
      return;
    }
    await route.fallback();
  });
  await attach(page, png(), 'second try');
  await page.getByTestId('attachment-send').click();
  const bubble = bubbles(page).filter({ hasText: 'second try' });
  await expect(bubble.getByTestId('failure-reason')).toHaveText('Not sent: Network error during upload.');
  await expect(bubble.getByTestId('upload-progress')).toHaveCount(0);
  await bubble.getByTestId('retry').click();
  await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', sentStatus, { timeout: 30_000 });
  expect(cut).toBe(1);
});
