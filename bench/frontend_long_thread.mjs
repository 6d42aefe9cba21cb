// A 10,000-message thread: time to open it (newest page), time to load the whole history
// (following the `next` cursor, as scrolling up does), time to reopen it with all 10,000 in the
// store, and the frame rate while scrolling through it from the bottom to the top. Stub API.
import { startStubServer } from './frontend_stub_api.mjs';
import { ensureBuilt, launch, percentile, round } from './frontend_bench_lib.mjs';

const MESSAGES = 10000;
const SCROLL_MS = 4000;

ensureBuilt();
const stub = await startStubServer({ chats: 20, thread: MESSAGES });
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stub.url}/?test-hooks`);
  await page.waitForSelector('[data-testid=chat-item]');

  // 1. open: click -> the newest bubbles on screen
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('[data-testid=chat-item]', { hasText: 'Customer 1' }).first().click();
  await page.waitForSelector('[data-testid=thread] [data-testid=message]');
  const openMs = (await page.evaluate(() => performance.now())) - t0;

  // 2. the whole history into the store (what scrolling up to the first message does)
  const loadAll = await page.evaluate(async () => {
    const store = window.__blazz.pinia._s.get('messages');
    const start = performance.now();
    let pages = 0;
    while (store.threads[1].next) {
      await store.loadOlder(1);
      pages += 1;
    }
    await new Promise((r) => requestAnimationFrame(() => r()));
    return { ms: performance.now() - start, pages, count: store.threads[1].keys.length };
  });

  // 3. reopen with 10,000 messages in the store
  await page.locator('[data-testid=chat-item]', { hasText: 'Customer 2' }).first().click();
  await page.waitForSelector('[data-testid=thread][data-contact-id="2"]');
  const t1 = await page.evaluate(() => performance.now());
  await page.locator('[data-testid=chat-item]', { hasText: 'Customer 1' }).first().click();
  await page.waitForSelector('[data-testid=thread][data-contact-id="1"] [data-testid=message]');
  const reopenMs = await page.evaluate((start) => new Promise((r) => requestAnimationFrame(() => r(performance.now() - start))), t1);

  // 4. scroll from the bottom towards the top, a step per frame, recording frame times
  const scroll = await page.evaluate(async (duration) => {
    const el = document.querySelector('[data-testid=thread-scroll]');
    const frames = [];
    let maxRows = 0;
    const start = performance.now();
    let last = start;
    const step = el.scrollHeight / ((duration / 1000) * 60); // reach the top in ~duration at 60 fps
    await new Promise((resolve) => {
      function tick(now) {
        frames.push(now - last);
        last = now;
        el.scrollTop = Math.max(0, el.scrollTop - step);
        maxRows = Math.max(maxRows, el.querySelectorAll('[data-testid=message]').length);
        if (now - start < duration && el.scrollTop > 0) requestAnimationFrame(tick);
        else resolve();
      }
      requestAnimationFrame(tick);
    });
    frames.shift();
    const elapsed = performance.now() - start;
    return { frames, elapsed, maxRows, reachedTop: el.scrollTop === 0 };
  }, SCROLL_MS);

  const fps = scroll.frames.length / (scroll.elapsed / 1000);
  console.log(JSON.stringify({
    bench: 'frontend_long_thread',
    setup: `Chromium ${browser.version()} headless, stub API (bench/frontend_stub_api.mjs, no backend), one thread of ${MESSAGES} messages (pages of 50), windowed rendering`,
    messages: loadAll.count,
    open_ms: round(openMs),
    load_full_history_ms: round(loadAll.ms),
    pages: loadAll.pages,
    reopen_with_10k_in_store_ms: round(reopenMs),
    scroll_fps: round(fps),
    scroll_frame_p95_ms: round(percentile(scroll.frames, 95)),
    scroll_frames_over_50ms: scroll.frames.filter((f) => f > 50).length,
    max_bubbles_in_dom: scroll.maxRows,
    reached_top: scroll.reachedTop,
  }));
} finally {
  await browser.close();
  await stub.close();
}
