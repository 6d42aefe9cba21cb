// Gzip size of the JS and CSS the inbox ships (frontend/dist/assets, every chunk: the entry and
// the lazily loaded pages). `shipped_gzip_kb` is what one browser can download: every chunk but
// the other language's copy (each language is a chunk fetched when shown, src/i18n/index.js), the
// larger of the two languages' totals; it is held against the 150 KB budget. `total_gzip_kb`
// counts both languages. `--build` rebuilds first.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { FRONTEND } from './frontend_stub_api.mjs';
import { ensureBuilt } from './frontend_bench_lib.mjs';

ensureBuilt();
const dist = path.join(FRONTEND, 'dist');
const assets = path.join(dist, 'assets');
const index = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
let js = 0;
let css = 0;
let initial = 0;
let raw = 0;
const files = [];
for (const name of fs.readdirSync(assets)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const data = fs.readFileSync(path.join(assets, name));
  const gz = zlib.gzipSync(data, { level: 9 }).length;
  raw += data.length;
  if (name.endsWith('.js')) js += gz;
  else css += gz;
  const eager = index.includes(`assets/${name}`);
  if (eager) initial += gz;
  files.push({ name, gzip_bytes: gz, eager });
}
const total = js + css;
// Each language's chunk, from Vite's manifest (src/i18n/<lang>.js -> its file).
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
const gzipOf = (file) => files.find((f) => `assets/${f.name}` === file)?.gzip_bytes ?? 0;
const languages = Object.fromEntries(Object.values(manifest)
  .filter((entry) => /^src\/i18n\/[a-z]{2}\.js$/.test(entry.src || ''))
  .map((entry) => [entry.src.slice(9, 11), gzipOf(entry.file)]));
const allLanguages = Object.values(languages).reduce((sum, bytes) => sum + bytes, 0);
const shipped = Math.max(...Object.values(languages).map((bytes) => total - allLanguages + bytes));
// The shipped emoji font (src/lib/emojiFont.js, Twemoji COLR): fetched only when an emoji is on
// screen (its unicode-range), never preloaded.
const fonts = fs.readdirSync(assets).filter((name) => name.endsWith('.woff2'))
  .map((name) => ({ name, bytes: fs.statSync(path.join(assets, name)).size }));
const fontKb = (bytes) => Math.round((bytes / 1024) * 10) / 10;
console.log(JSON.stringify({
  bench: 'frontend_bundle_size',
  setup: 'vite build of frontend/ (base /static/), gzip -9 of every .js and .css in dist/assets',
  js_gzip_kb: Math.round((js / 1024) * 10) / 10,
  css_gzip_kb: Math.round((css / 1024) * 10) / 10,
  total_gzip_kb: Math.round((total / 1024) * 10) / 10,
  initial_gzip_kb: Math.round((initial / 1024) * 10) / 10,
  shipped_gzip_kb: Math.round((shipped / 1024) * 10) / 10,
  language_gzip_kb: Object.fromEntries(Object.entries(languages).map(([lang, bytes]) => [lang, Math.round((bytes / 1024) * 10) / 10])),
  raw_kb: Math.round(raw / 1024),
  files: files.length,
  budget_kb: 150,
  within_budget: shipped <= 150 * 1024,
  emoji_font: {
    files: fonts.length,
    total_kb: fontKb(fonts.reduce((sum, f) => sum + f.bytes, 0)),
    preloaded: fonts.some((f) => index.includes(f.name)),
  },
}));
