// Run the real `node src/server.js` as a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './index.js';

export const BRIDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function spawnBridge(env, { cwd = BRIDGE_DIR } = {}) {
  const child = spawn(process.execPath, [path.join(BRIDGE_DIR, 'src/server.js')], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => { output.stdout += c; });
  child.stderr.on('data', (c) => { output.stderr += c; });
  let exit = null;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { exit = { code, signal }; resolve(exit); }));
  const base = `http://127.0.0.1:${env.BRIDGE_PORT}`;
  const ready = () => waitFor(async () => {
    if (exit) throw new Error(`the child exited (${JSON.stringify(exit)}): ${output.stderr.slice(-800)}`);
    return (await fetch(`${base}/health`)).ok;
  }, { timeout: 15000, interval: 50, message: 'bridge child /health' }).catch((err) => {
    throw new Error(`${err.message}\nchild stdout: ${output.stdout.slice(-1500)}\nchild stderr: ${output.stderr.slice(-800)}`);
  });
  return { child, output, exited, base, ready };
}

/**
 * spawnBridge + ready(), on a fresh free port each try: another test of the suite (run in
 * parallel) may take the port freePort() found before the child binds it (EADDRINUSE).
 */
export async function spawnReadyBridge(env, options) {
  for (let attempt = 1; ; attempt++) {
    env.BRIDGE_PORT = String(await freePort());
    const bridge = await spawnBridge(env, options);
    try {
      await bridge.ready();
      return bridge;
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(err.message)) throw err;
    }
  }
}
