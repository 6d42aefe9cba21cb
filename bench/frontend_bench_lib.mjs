// Shared by the frontend benches: build the inbox when needed, launch Debian's Chromium through
// playwright-core (frontend/node_modules), percentiles.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { FRONTEND } from './frontend_stub_api.mjs';

const require = createRequire(path.join(FRONTEND, 'package.json'));
export const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Build frontend/dist unless it is there (`--build` forces it). */
export function ensureBuilt({ force = process.argv.includes('--build') } = {}) {
  const index = path.join(FRONTEND, 'dist', 'index.html');
  if (!force && fs.existsSync(index)) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: FRONTEND, stdio: ['ignore', 'ignore', 'inherit'] });
}

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);
export const round = (n, digits = 1) => (n == null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
