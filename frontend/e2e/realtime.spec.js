// The socket going away and coming back, and two agents on one inbox.
import { test, expect, newCustomer, chatItem, customerWritesFirst, openChat, bubbleWithText, apiInPage } from './fixtures.js';
import { STACK } from './stack.js';

/**
 * Put the inbox socket behind a switch the test controls: while "down", the open socket is closed
 * and new ones are refused, as when the network drops (HTTP keeps working, like a flaky proxy).
 */
async function socketSwitch(page) {
  const state = { up: true, live: [], refused: 0, accepted: 0 };
  await page.routeWebSocket(/\/ws\/inbox\/$/, (ws) => {
    if (!state.up) {
      state.refused += 1;
      ws.close({ code: 4000, reason: 'e2e: network down' });
      return;
    }
    state.accepted += 1;
    const server = ws.connectToServer();
    state.live.push({ ws, server });
  });
  return {
    /** Sockets the page opened while down (its reconnect attempts), and opened in all. */
    refused: () => state.refused,
    accepted: () => state.accepted,
    async down() {
      state.up = false;
      for (const { ws, server } of state.live.splice(0)) {
        await server.close().catch(() => {});
        await ws.close({ code: 4000, reason: 'e2e: network down' }).catch(() => {});
      }
    },
    up() {
      state.up = true;
    },
  };
}

test.describe('realtime', () => {
  test('kill the socket: banner, then everything sent meanwhile is there after reconnect', async ({ page, sandbox }) => {
    const net = await socketSwitch(page);
    await page.goto('/');
    await expect(page.getByTestId('chat-list')).toBeVisible();
    const open = await customerWritesFirst(page, sandbox, newCustomer('Offline'));
    const other = await customerWritesFirst(page, sandbox, newCustomer('Meanwhile'));
    await openChat(page, open.name);
    await expect(page.getByTestId('reconnect-banner')).toHaveCount(0);

    await net.down();
    await expect(page.getByTestId('reconnect-banner')).toBeVisible();
    await expect(page.getByTestId('reconnect-banner')).toHaveText(/Reconnecting/);

    // While the socket is down: the customer writes twice, another chat gets a message, and the
    // agent sends one (over HTTP, which still works).
    await sandbox.inbound(open.phone, 'sent while you were away 1');
    await sandbox.inbound(open.phone, 'sent while you were away 2');
    await sandbox.inbound(other.phone, 'another chat, meanwhile');
    await page.getByTestId('composer').fill('agent reply while offline');
    await page.getByTestId('composer').press('Enter');
    await expect(bubbleWithText(page, 'agent reply while offline')).toBeVisible();
    // nothing arrives without the socket
    await expect(bubbleWithText(page, 'sent while you were away 1')).toHaveCount(0);

    // It keeps trying with backoff (0.5 s doubling, at most 15 s +-25 %) while the network is down...
    await expect.poll(() => net.refused(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    const acceptedBefore = net.accepted();
    net.up();
    // ...and its next attempt gets through on its own (no "online" event: the backoff path). The
    // longest wait between attempts is 18.75 s.
    await expect(page.getByTestId('reconnect-banner')).toHaveCount(0, { timeout: 30_000 });
    expect(net.accepted()).toBe(acceptedBefore + 1);
    await expect(bubbleWithText(page, 'sent while you were away 1')).toBeVisible();
    await expect(bubbleWithText(page, 'sent while you were away 2')).toBeVisible();
    await expect(chatItem(page, other.name).getByTestId('chat-preview')).toContainText('another chat, meanwhile');
    await expect(chatItem(page, other.name).getByTestId('unread-badge')).toHaveText('2');
    // and the agent's message, sent meanwhile, caught up with its ticks (once)
    await expect(bubbleWithText(page, 'agent reply while offline').locator('.ticks')).toHaveAttribute('data-status', /^(read|played)$/, { timeout: 30_000 });
    await expect(bubbleWithText(page, 'agent reply while offline')).toHaveCount(1);
    // live again: a new message arrives without a reload
    await sandbox.inbound(open.phone, 'back online');
    await expect(bubbleWithText(page, 'back online')).toBeVisible();
  });

  test('a second agent sees the first agent\'s message live', async ({ inbox: page, sandbox, browser }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Shared'));
    // A random password: one made of the email's timestamp is (rightly) refused as too similar to it.
    const agent = { email: `agent-${Date.now()}@example.com`, password: `Kiwi-${crypto.randomUUID()}` };
    const created = await apiInPage(page, 'POST', '/members/', { email: agent.email, role: 'agent' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // The invited agent opens the link and joins with a name and a password of their own.
    const context2 = await browser.newContext({ storageState: undefined });
    const page2 = await context2.newPage();
    await page2.goto(created.body.invite_url.replace(/^https?:\/\/[^/]+/, STACK.demoUrl));
    await page2.fill('input[name=name]', 'Second Agent');
    await page2.fill('input[name=password]', agent.password);
    await Promise.all([page2.waitForURL(`${STACK.demoUrl}/`), page2.locator('form button[type=submit]').click()]);
    await expect(page2.getByTestId('chat-list')).toBeVisible();
    await openChat(page2, customer.name);

    await openChat(page, customer.name);
    const text = `From agent one at ${Date.now()}`;
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');

    const seenByTwo = bubbleWithText(page2, text);
    await expect(seenByTwo).toBeVisible();
    await expect(seenByTwo.locator('.ticks')).toHaveAttribute('data-status', /^(read|played)$/, { timeout: 30_000 });
    await expect(chatItem(page2, customer.name).getByTestId('chat-preview')).toContainText(text);
    // and the other way round
    await page2.getByTestId('composer').fill('Agent two here');
    await page2.getByTestId('composer').press('Enter');
    await expect(bubbleWithText(page, 'Agent two here')).toBeVisible();
    await context2.close();
  });
});
