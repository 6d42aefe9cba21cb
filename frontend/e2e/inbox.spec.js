// The inbox against the real stack: login, sending with ticks, live inbound, typing, the pill,
// drafts, and screenshots of the main screens.
import {
  test, expect, newCustomer, chatItem, customerWritesFirst, openChat, bubbles, bubbleWithText, screenshot, holdRequests,
} from './fixtures.js';
import { STACK, DEMO_USER } from './stack.js';
import { loginAs } from './global-setup.js';

const ORDER = ['pending', 'sent', 'delivered', 'read', 'played'];

test.describe('inbox', () => {
  test('the demo member logs in on demo.localhost and sees the inbox', async ({ browser }) => {
    const context = await browser.newContext({ storageState: undefined });
    const page = await context.newPage();
    await page.goto(`${STACK.demoUrl}/`);
    await expect(page).toHaveURL(/\/login\/\?next=/); // the server sends strangers to the login
    await page.close();
    const inbox = await loginAs(context, DEMO_USER);
    await expect(inbox).toHaveURL(`${STACK.demoUrl}/`);
    await expect(inbox.getByTestId('chat-list')).toBeVisible();
    await expect(inbox.locator('.sidebar__workspace')).not.toBeEmpty();
    // the production build hands the stores to no one, unless a test asks for them
    expect(await inbox.evaluate(() => typeof window.__blazz)).toBe('undefined');
    await inbox.goto('/?test-hooks');
    await expect(inbox.getByTestId('chat-list')).toBeVisible();
    expect(await inbox.evaluate(() => typeof window.__blazz?.pinia)).toBe('object');
    await context.close();
  });

  test('send: the bubble shows the clock at once, then reaches two blue ticks', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Ticks'));
    await openChat(page, customer.name);
    const text = `Order #${Date.now()} is on its way`;
    // Record every status the new bubble shows, from the moment it is in the DOM.
    await page.evaluate(({ t, name }) => {
      window.__seen = [];
      window.__enterAt = null;
      // The chat list row's tick, recorded too: the demo's customers auto-reply after a read, and
      // from then on the row previews their reply (no tick), so it is checked as it changes.
      window.__preview = [];
      const list = document.querySelector('[data-testid=chat-list]');
      new MutationObserver(() => {
        for (const el of list.querySelectorAll('[data-testid=chat-item]')) {
          if (!el.textContent.includes(name)) continue;
          const s = el.querySelector('.ticks')?.getAttribute('data-status');
          if (s && window.__preview.at(-1) !== s) window.__preview.push(s);
        }
      }).observe(list, { subtree: true, childList: true, attributes: true, characterData: true });
      const thread = document.querySelector('[data-testid=thread-scroll]');
      const record = () => {
        for (const el of thread.querySelectorAll('[data-testid=message]')) {
          if (!el.textContent.includes(t)) continue;
          const s = el.getAttribute('data-status');
          if (window.__seen.at(-1)?.status !== s) window.__seen.push({ status: s, at: performance.now(), ticks: el.querySelector('.ticks')?.className || '' });
        }
      };
      new MutationObserver(record).observe(thread, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
      document.querySelector('[data-testid=composer]').addEventListener('keydown', (e) => {
        if (e.key === 'Enter') window.__enterAt = performance.now();
      }, { capture: true });
    }, { t: text, name: customer.name });
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');
    const bubble = bubbleWithText(page, text);
    await expect(bubble).toBeVisible();
    await expect(page.getByTestId('composer')).toHaveValue('');
    await expect(bubble.locator('.ticks')).toHaveAttribute('data-status', /^(read|played)$/, { timeout: 30_000 });
    await expect(bubble.locator('.ticks')).toHaveClass(/ticks--double-blue/);
    await screenshot(page, 'thread-ticks');
    const seen = await page.evaluate(() => ({ seen: window.__seen, enterAt: window.__enterAt }));
    expect(seen.seen[0].status).toBe('pending');
    expect(seen.seen[0].ticks).toContain('ticks--clock');
    expect(seen.seen[0].at - seen.enterAt).toBeLessThan(100); // "at once": before any server answer
    const ranks = seen.seen.map((s) => ORDER.indexOf(s.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b)); // never backwards
    // the chat list preview carries the same ticks, in order, up to read
    await expect.poll(() => page.evaluate(() => window.__preview)).toContainEqual(expect.stringMatching(/^(read|played)$/));
    const previewRanks = (await page.evaluate(() => window.__preview)).map((s) => ORDER.indexOf(s));
    expect(previewRanks).toEqual([...previewRanks].sort((a, b) => a - b));
    // the customer did receive it, once
    const received = (await sandbox.customer(customer.phone)).received.filter((m) => m.body === text);
    expect(received).toHaveLength(1);
  });

  test('own send: the chat row previews it with the clock and goes to the top before the server has it', async ({ inbox: page, sandbox }) => {
    const mine = await customerWritesFirst(page, sandbox, newCustomer('Row'));
    const later = await customerWritesFirst(page, sandbox, newCustomer('Later'));
    await expect(page.locator('[data-testid=chat-item]').first()).toContainText(later.name);
    await openChat(page, mine.name);
    // the POST waits: nothing the server says can have moved the row
    const post = await holdRequests(page, (url, request) => request.method() === 'POST' && url.pathname === `/api/v1/contacts/${mine.contactId}/messages/`);
    const text = `On my way ${Date.now()}`;
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('composer').press('Enter');
    const row = chatItem(page, mine.name);
    await expect(page.locator('[data-testid=chat-item]').first()).toContainText(mine.name);
    await expect(row.getByTestId('chat-preview')).toContainText(text);
    await expect(row.locator('.ticks')).toHaveAttribute('data-status', 'pending');
    expect(post.count()).toBe(1);
    post.release();
    await expect(bubbleWithText(page, text).locator('.ticks')).toHaveAttribute('data-status', /^(sent|delivered|read|played)$/, { timeout: 30_000 });
    await expect(page.locator('[data-testid=chat-item]').first()).toContainText(mine.name);
  });

  test('a customer reply appears without a reload; the chat moves to the top with its badge', async ({ inbox: page, sandbox }) => {
    const other = await customerWritesFirst(page, sandbox, newCustomer('Other'));
    const open = await customerWritesFirst(page, sandbox, newCustomer('Open'));
    await openChat(page, open.name);
    // in the open chat: the reply shows up in the thread, no badge (it is being read)
    await sandbox.inbound(open.phone, 'Reply in the open chat');
    await expect(bubbleWithText(page, 'Reply in the open chat')).toBeVisible();
    await expect(chatItem(page, open.name).getByTestId('unread-badge')).toHaveCount(0);
    // another chat: it jumps to the top with an unread badge
    await sandbox.inbound(other.phone, 'Are you there?');
    await expect(page.locator('[data-testid=chat-item]').first()).toContainText(other.name);
    await expect(chatItem(page, other.name).getByTestId('unread-badge')).toHaveText('2'); // its first message + this one
    await expect(chatItem(page, other.name).getByTestId('chat-preview')).toContainText('Are you there?');
    await screenshot(page, 'inbox-desktop');
    // opening it reads it
    await openChat(page, other.name);
    await expect(chatItem(page, other.name).getByTestId('unread-badge')).toHaveCount(0);
    await page.reload();
    await expect(chatItem(page, other.name)).toBeVisible();
    await expect(chatItem(page, other.name).getByTestId('unread-badge')).toHaveCount(0);
  });

  test('customer typing shows "typing..." and clears', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Typing'));
    await openChat(page, customer.name);
    await sandbox.typing(customer.phone, 'typing');
    await expect(page.getByTestId('thread-status')).toHaveText('typing...');
    await expect(chatItem(page, customer.name).getByTestId('chat-typing')).toHaveText('typing...');
    await expect(page.getByTestId('typing-bubble')).toBeVisible();
    await sandbox.typing(customer.phone, 'paused');
    await expect(page.getByTestId('thread-status')).not.toHaveText('typing...');
    await expect(chatItem(page, customer.name).getByTestId('chat-typing')).toHaveCount(0);
    await expect(page.getByTestId('typing-bubble')).toHaveCount(0);
    // a message also ends it
    await sandbox.typing(customer.phone, 'typing');
    await expect(page.getByTestId('thread-status')).toHaveText('typing...');
    await sandbox.inbound(customer.phone, 'done typing');
    await expect(bubbleWithText(page, 'done typing')).toBeVisible();
    await expect(page.getByTestId('thread-status')).not.toHaveText('typing...');
  });

  test('scrolled up, a new message shows the pill instead of jumping', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Scroll'), 'line 0');
    for (let i = 1; i < 40; i += 1) await sandbox.inbound(customer.phone, `line ${i}\nwith a second line to make the bubble taller`);
    // The sandbox only queued them: the bridge delivers its webhooks one at a time, in order, each
    // applied in a transaction (~80 ms of web CPU; ~0.5 s each on a loaded 2-core machine), so a
    // backlog of 39 legitimately takes longer than one expect timeout. Wait for the last one in the
    // chat list (live, over the socket), then open the chat with the history in place.
    await expect(chatItem(page, customer.name).getByTestId('chat-preview')).toContainText('line 39', { timeout: 60_000 });
    await openChat(page, customer.name);
    await expect(bubbleWithText(page, 'line 39')).toBeVisible();
    const scroller = page.getByTestId('thread-scroll');
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await expect(bubbleWithText(page, 'line 0')).toBeVisible();
    const before = await scroller.evaluate((el) => el.scrollTop);
    await sandbox.inbound(customer.phone, 'a message while reading history');
    await expect(page.getByTestId('new-messages-pill')).toHaveText(/1 new message/);
    const after = await scroller.evaluate((el) => el.scrollTop);
    expect(Math.abs(after - before)).toBeLessThanOrEqual(2);
    await expect(bubbleWithText(page, 'line 0')).toBeVisible();
    await page.getByTestId('new-messages-pill').click();
    await expect(bubbleWithText(page, 'a message while reading history')).toBeInViewport();
    await expect(page.getByTestId('new-messages-pill')).toHaveCount(0);
    // at the bottom, the next one scrolls into view by itself
    await sandbox.inbound(customer.phone, 'and one more at the bottom');
    await expect(bubbleWithText(page, 'and one more at the bottom')).toBeInViewport();
    await expect(page.getByTestId('new-messages-pill')).toHaveCount(0);
  });

  test('scrolling up loads the older pages (three in all) and the message at the top stays put', async ({ inbox: page, sandbox }) => {
    // 120 messages = the newest page (50) + two older pages (50 + 20).
    const TOTAL = 120;
    test.setTimeout(300_000);
    const label = (i) => `history ${String(i).padStart(3, '0')}`;
    const customer = await customerWritesFirst(page, sandbox, newCustomer('History'), `${label(0)}\nwith a second line`);
    for (let i = 1; i < TOTAL; i += 1) await sandbox.inbound(customer.phone, `${label(i)}\nwith a second line`);
    // Delivered to Django one webhook at a time, in order (see the pill test): wait for the last.
    await expect(chatItem(page, customer.name).getByTestId('chat-preview')).toContainText(label(TOTAL - 1), { timeout: 240_000 });

    const olderPage = await holdRequests(page, (url) => url.pathname === `/api/v1/contacts/${customer.contactId}/messages/` && url.searchParams.has('cursor'));
    await openChat(page, customer.name);
    await expect(bubbleWithText(page, label(TOTAL - 1))).toBeInViewport();
    const scroller = page.getByTestId('thread-scroll');
    const toTop = () => scroller.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });

    // At the top of the newest page: the older page is asked for (and held here).
    await toTop();
    await expect(page.locator('.thread__loading-older')).toBeVisible();
    expect(olderPage.count()).toBe(1);
    await expect(bubbleWithText(page, label(TOTAL - 50))).toBeInViewport();
    // The first message on screen, and where it is; then its position on every frame while the
    // older page lands above it.
    const first = await scroller.evaluate((el) => {
      const top = el.getBoundingClientRect().top;
      const m = [...el.querySelectorAll('[data-testid=message]')].find((b) => b.getBoundingClientRect().bottom > top + 1);
      window.__tops = [];
      const key = m.getAttribute('data-message-key');
      const sample = () => {
        const now = el.querySelector(`[data-message-key="${key}"]`);
        window.__tops.push(now ? now.getBoundingClientRect().top : null);
        window.__sampling = requestAnimationFrame(sample);
      };
      sample();
      return { key, text: m.textContent, top: m.getBoundingClientRect().top };
    });
    expect(first.text).toContain(label(TOTAL - 50));
    olderPage.release();
    await expect(bubbleWithText(page, label(TOTAL - 51))).toBeAttached(); // the older page is in
    await expect(page.locator('.thread__loading-older')).toHaveCount(0);
    // a few frames after it landed, then stop sampling
    const frames = await page.evaluate(async () => {
      const seen = window.__tops.length;
      await new Promise((resolve) => {
        const wait = () => (window.__tops.length >= seen + 10 ? resolve() : requestAnimationFrame(wait));
        wait();
      });
      cancelAnimationFrame(window.__sampling);
      return window.__tops;
    });
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.filter((t) => t === null)).toEqual([]); // never unrendered
    const drift = Math.max(...frames.map((t) => Math.abs(t - first.top)));
    const moves = frames.map((t) => Math.round(t - first.top)).join(' ');
    expect(drift, `the first message moved by up to ${drift}px while the older page landed (per frame: ${moves})`).toBeLessThanOrEqual(3);
    await expect(bubbleWithText(page, label(TOTAL - 50))).toBeInViewport();

    // Up again, until the very first message: the third page too, in order.
    await expect.poll(async () => {
      await toTop();
      return bubbleWithText(page, label(0)).isVisible();
    }, { timeout: 30_000 }).toBe(true);
    await expect(bubbleWithText(page, label(0))).toBeInViewport();
    const topTexts = await bubbles(page).evaluateAll((els) => els.slice(0, 5).map((e) => e.textContent));
    expect(topTexts.map((t) => t.match(/history (\d{3})/)?.[1])).toEqual(['000', '001', '002', '003', '004']);
    expect(olderPage.count()).toBeGreaterThanOrEqual(2); // more than two pages in all
  });

  test('a draft survives a reload', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Draft'));
    await openChat(page, customer.name);
    await page.getByTestId('composer').fill('half-written answer, do not lose me');
    await page.reload();
    await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
    await expect(page.getByTestId('composer')).toHaveValue('half-written answer, do not lose me');
    // another chat has its own (empty) draft; coming back restores this one
    await page.goto('/');
    await openChat(page, customer.name);
    await expect(page.getByTestId('composer')).toHaveValue('half-written answer, do not lose me');
  });

  test('message text is shown, never run; links are safe', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Html'));
    await openChat(page, customer.name);
    const evil = '<img src=x onerror="window.__pwned=1"> see https://example.com/x';
    await sandbox.inbound(customer.phone, evil);
    const bubble = bubbleWithText(page, 'see https://example.com/x');
    await expect(bubble).toContainText('<img src=x onerror="window.__pwned=1">');
    await expect(bubble.locator('img')).toHaveCount(0);
    await expect(bubble.locator('a')).toHaveAttribute('href', 'https://example.com/x');
    await expect(bubble.locator('a')).toHaveAttribute('rel', 'noopener noreferrer');
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  });

  test('phone-sized screen: the list and the thread are two screens', async ({ browser, sandbox }) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('chat-list')).toBeVisible();
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Phone'));
    await screenshot(page, 'phone-chat-list');
    await chatItem(page, customer.name).click();
    await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
    await expect(page.getByTestId('chat-list')).toBeHidden();
    await page.getByTestId('composer').fill('Hello from a phone');
    await page.getByTestId('composer').press('Enter');
    await expect(bubbleWithText(page, 'Hello from a phone')).toBeVisible();
    await screenshot(page, 'phone-thread');
    await page.getByTestId('back').click();
    await expect(page.getByTestId('chat-list')).toBeVisible();
    await expect(page.getByTestId('thread')).toHaveCount(0);
    await context.close();
  });

  test('search finds chats by name and messages by text', async ({ inbox: page, sandbox }) => {
    const customer = await customerWritesFirst(page, sandbox, newCustomer('Search'), 'my parcel number is ZX-4711');
    await page.getByTestId('search').fill(customer.name);
    await expect(page.getByTestId('search-results').locator('[data-testid=chat-item]', { hasText: customer.name })).toBeVisible();
    await page.getByTestId('search').fill('ZX-4711');
    await expect(page.getByTestId('search-message-hit').first()).toContainText('ZX-4711');
    await page.getByTestId('search-message-hit').first().click();
    await page.getByTestId('search').fill('');
    await expect(page.getByTestId('thread-name')).toHaveText(customer.name);
    await expect(bubbleWithText(page, 'ZX-4711')).toBeVisible();
    expect(await bubbles(page).count()).toBeGreaterThan(0);
  });
});
