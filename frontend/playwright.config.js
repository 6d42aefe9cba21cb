// End-to-end tests against the real stack (daphne, Celery worker and beat, the bridge with the
// sandbox engine, PostgreSQL, Redis), started by e2e/global-setup.js with `python -m blazz.dev.devrun`
// on test ports. Chromium is Debian's (/usr/bin/chromium): no browser download.
import { defineConfig } from '@playwright/test';
import { STACK, CHROMIUM_ARGS, CHROMIUM_PATH, DEMO_STATE } from './e2e/stack.js';

export default defineConfig({
  testDir: './e2e',
  testMatch: /.*\.spec\.js$/,
  // One stack, one demo workspace: tests run one at a time so they do not fight over it.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/e2e',
  // The HTML report (with the screenshots of the main screens attached) goes to
  // frontend/playwright-report/; `npx playwright show-report` opens it.
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  globalSetup: './e2e/global-setup.js',
  use: {
    baseURL: STACK.demoUrl,
    storageState: DEMO_STATE,
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'off',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
});
