// Accessibility figure (issue 17): axe-core's violations per page, by impact, in Chromium, against
// the stub API (bench/frontend_stub_api.mjs: the inbox's endpoints with generated data; the other
// pages render their shells and whatever the stub answers). The e2e suite holds the real-stack
// check (frontend/e2e/a11y-i18n.spec.js: 0 serious or critical on every page).
import path from 'node:path';
import { createRequire } from 'node:module';
import { FRONTEND, startStubServer } from './frontend_stub_api.mjs';
import { ensureBuilt, launch } from './frontend_bench_lib.mjs';

const require = createRequire(path.join(FRONTEND, 'package.json'));
const { default: AxeBuilder } = await import(require.resolve('@axe-core/playwright'));

const PAGES = [
  ['inbox', '/'], ['open chat', '/chats/1'], ['sessions', '/sessions'], ['settings', '/settings'],
  ['automation', '/automation'],
];

ensureBuilt();
const stub = await startStubServer({ chats: 50, thread: 40 });
const browser = await launch();
const pages = {};
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  for (const [name, route] of PAGES) {
    const page = await context.newPage();
    await page.goto(`${stub.url}${route}`);
    await page.waitForSelector('main, .inbox, [data-testid=chat-list]', { timeout: 15000 });
    await page.waitForTimeout(500);
    const { violations } = await new AxeBuilder({ page }).analyze();
    const count = (impact) => violations.filter((v) => v.impact === impact).length;
    pages[name] = { critical: count('critical'), serious: count('serious'), moderate: count('moderate'),
      minor: count('minor'), rules: violations.map((v) => v.id) };
    if (process.env.AXE_DETAIL) for (const v of violations) console.error(name, v.id, v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' ' + (n.any[0]?.message || '')).join(' | '));
    await page.close();
  }
  console.log(JSON.stringify({
    bench: 'frontend_axe',
    setup: `Chromium ${browser.version()} headless, @axe-core/playwright defaults, stub API (no backend)`,
    pages,
    serious_or_critical: Object.values(pages).reduce((sum, p) => sum + p.serious + p.critical, 0),
  }));
} finally {
  await browser.close();
  await stub.close();
}
