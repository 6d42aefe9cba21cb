// A 10,000-message thread: time to open it (newest page), time to load the whole history
// (following the `next` cursor, as scrolling up does), time to reopen it with all 10,000 in the
// store, and the frame rate while scrolling up through it at a fast wheel's pace and at a
// fling's. Stub API.
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

  // 4. scroll up through it, a step per frame, recording frame times: at a fast wheel's pace
  // (60 px a frame, ~3,600 px/s), then a fling (10x as fast: a new screenful of rows every frame).
  const scrollAt = (pxPerFrame) => page.evaluate(async ({ duration, pxPerFrame }) => {
    const el = document.querySelector('[data-testid=thread-scroll]');
    el.scrollTop = el.scrollHeight; // from the bottom
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const frames = [];
    let maxRows = 0;
    const start = performance.now();
    const from = el.scrollTop;
    let last = start;
    await new Promise((resolve) => {
      function tick(now) {
        frames.push(now - last);
        last = now;
        el.scrollTop = Math.max(0, el.scrollTop - pxPerFrame);
        maxRows = Math.max(maxRows, el.querySelectorAll('[data-testid=message]').length);
        if (now - start < duration && el.scrollTop > 0) requestAnimationFrame(tick);
        else resolve();
      }
      requestAnimationFrame(tick);
    });
    frames.shift();
    const elapsed = performance.now() - start;
    return { frames, elapsed, maxRows, scrolledPx: Math.round(from - el.scrollTop) };
  }, { duration: SCROLL_MS, pxPerFrame });
  const wheel = await scrollAt(60);
  const fling = await scrollAt(600);
  const scroll = wheel;

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
    scroll_px: scroll.scrolledPx,
    fling_fps: round(fling.frames.length / (fling.elapsed / 1000)),
    fling_frame_p95_ms: round(percentile(fling.frames, 95)),
    max_bubbles_in_dom: Math.max(wheel.maxRows, fling.maxRows),
  }));
} finally {
  await browser.close();
  await stub.close();
}
