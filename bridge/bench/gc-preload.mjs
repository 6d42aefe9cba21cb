// Benchmark-only preload (`node --expose-gc --import ./bridge/bench/gc-preload.mjs ...`): on
// SIGUSR2, run a full GC and write process.memoryUsage() to $BENCH_MEM_FILE. Never loaded in
// production.
import fs from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  fs.writeFileSync(process.env.BENCH_MEM_FILE, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
});
