// Enter -> the bubble in the DOM, in Chromium: N sends in an open thread; for each, the time from
// the Enter keydown to the optimistic bubble being in the DOM (MutationObserver) and to the next
// frame after it (painted). Against the stub API (bench/frontend_stub_api.mjs) by default: the
// bubble is optimistic, so the server only matters for what happens after (ticks).
import { startStubServer } from './frontend_stub_api.mjs';
import { ensureBuilt, launch, percentile, round } from './frontend_bench_lib.mjs';

const SENDS = Number(process.env.SENDS || 60);
const WARMUP = 5;

ensureBuilt();
const stub = await startStubServer({ chats: 50, thread: 300 });
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stub.url}/chats/1`);
  await page.waitForSelector('[data-testid=message]');
  await page.evaluate(() => {
    window.__lat = [];
    const thread = document.querySelector('[data-testid=thread-scroll]');
    let pending = null;
    document.querySelector('[data-testid=composer]').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) pending = { text: e.target.value.trim(), t0: performance.now() };
    }, { capture: true });
    new MutationObserver(() => {
      if (!pending) return;
      for (const el of thread.querySelectorAll('[data-testid=message]')) {
        if (el.textContent.includes(pending.text)) {
          const p = pending;
          pending = null;
          const dom = performance.now() - p.t0;
          requestAnimationFrame(() => {
            window.__lat.push({ dom, frame: performance.now() - p.t0 });
          });
          return;
        }
      }
    }).observe(thread, { childList: true, subtree: true });
  });
  const composer = page.locator('[data-testid=composer]');
  for (let i = 0; i < SENDS + WARMUP; i += 1) {
    const text = `latency probe ${i} ${Math.random().toString(36).slice(2, 8)}`;
    await composer.fill(text);
    await composer.press('Enter');
    await page.waitForFunction((n) => window.__lat.length >= n, i + 1);
  }
  const samples = (await page.evaluate(() => window.__lat)).slice(WARMUP);
  const dom = samples.map((s) => s.dom);
  const frame = samples.map((s) => s.frame);
  console.log(JSON.stringify({
    bench: 'frontend_send_latency',
    setup: `Chromium ${browser.version()} headless, stub API (bench/frontend_stub_api.mjs, no backend), thread of 300 messages, ${samples.length} sends after ${WARMUP} warm-up`,
    p50_ms: round(percentile(dom, 50)),
    p95_ms: round(percentile(dom, 95)),
    max_ms: round(Math.max(...dom)),
    next_frame_p50_ms: round(percentile(frame, 50)),
    next_frame_p95_ms: round(percentile(frame, 95)),
    aim_ms: 30,
  }));
} finally {
  await browser.close();
  await stub.close();
}
