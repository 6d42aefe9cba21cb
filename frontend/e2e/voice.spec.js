// Issue 17, voice notes as WhatsApp makes them: Chromium records from its fake microphone (WebM/Opus),
// the worker turns the note into OGG/Opus and measures its waveform (real ffmpeg), the sandbox
// customer receives OGG/Opus and plays it: the bubble shows the server's waveform, a length, and the
// played mark. A customer's voice note gets its waveform too.
import { test, expect, newCustomer, customerWritesFirst, openChat } from './fixtures.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, waitFor } from './stack.js';

test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  },
  permissions: ['microphone'],
});

function voiceBubbles(page) {
  return page.locator('[data-testid=thread] [data-testid=message]').filter({ has: page.getByTestId('voice-note') });
}

async function barHeights(bubble) {
  return bubble.locator('[data-testid=voice-waveform] i').evaluateAll((bars) => bars.map((bar) => bar.style.height));
}

test('a recorded voice note reaches the customer as OGG/Opus with its waveform, then shows played', async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('Voice'));
  await openChat(page, customer.name);

  await page.getByTestId('voice-record').click();
  await expect(page.getByTestId('voice-time')).toHaveText(/0:0[2-9]/, { timeout: 20_000 });
  await page.getByTestId('voice-send').click();

  const bubble = voiceBubbles(page).last();
  await expect(bubble).toHaveAttribute('data-status', 'played', { timeout: 45_000 });
  await expect(bubble.getByTestId('voice-played')).toHaveCount(1);
  await expect(bubble.getByTestId('voice-duration')).not.toHaveText('0:00');
  const heights = await barHeights(bubble);
  expect(heights).toHaveLength(64);
  expect(new Set(heights).size).toBeGreaterThan(1); // the server's waveform, not the flat placeholder

  const received = await waitFor(async () => {
    const { received: all } = await sandbox.customer(customer.phone);
    return all.find((m) => m.type === 'voice');
  }, { what: 'the customer to receive the voice note' });
  expect(received.media.mimetype).toMatch(/^audio\/ogg/);

  await bubble.getByTestId('voice-speed').click();
  await expect(bubble.getByTestId('voice-speed')).toHaveText('1.5×');
});

test("a customer's voice note shows its waveform and length", async ({ inbox: page, sandbox }) => {
  const customer = await customerWritesFirst(page, sandbox, newCustomer('VoiceIn'));
  await openChat(page, customer.name);
  await sandbox.inbound(customer.phone, '', { name: customer.name, type: 'voice', media: 'sample:voice' });
  const bubble = voiceBubbles(page).last();
  await expect(bubble.getByTestId('voice-duration')).not.toHaveText('0:00', { timeout: 30_000 });
  await expect.poll(async () => new Set(await barHeights(bubble)).size, { timeout: 30_000 }).toBeGreaterThan(1);
});
