// Starts the real stack on test ports (`python -m blazz.dev.devrun`, embedded PostgreSQL and Redis
// under .data/e2e), waits until it answers, logs in as the demo member once (saved storage state),
// and finds the demo's sandbox session. Returns the teardown: SIGTERM, then wait for the exit.
// E2E_EXTERNAL_STACK=1 uses a stack that is already running on E2E_PORT / E2E_BRIDGE_PORT.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import {
  STACK, REPO_ROOT, FRONTEND_DIR, RESULTS_DIR, DEMO_STATE, WORLD_FILE, DEMO_USER, CHROMIUM_PATH, CHROMIUM_ARGS,
  nodeRequest, waitFor, bridgeToken,
} from './stack.js';

const START_TIMEOUT_MS = 240_000;

function newestMtime(entry) {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

/**
 * Django serves frontend/dist: build it when the sources are newer, so the suite never tests an
 * old build of the SPA (E2E_SKIP_BUILD=1 skips this).
 */
function buildSpaIfStale() {
  if (process.env.E2E_SKIP_BUILD === '1') return;
  const index = path.join(FRONTEND_DIR, 'dist', 'index.html');
  const sources = ['src', 'index.html', 'vite.config.js', 'package-lock.json'].map((p) => path.join(FRONTEND_DIR, p));
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  if (built && Math.max(...sources.filter((p) => fs.existsSync(p)).map(newestMtime)) <= built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: FRONTEND_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
}

function startStack() {
  const python = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) throw new Error(`${python} is missing: run \`make install\` first`);
  if (!fs.existsSync(path.join(REPO_ROOT, '.env'))) {
    // What `make install` does: the secrets the stack and these tests share (BRIDGE_TOKEN).
    execFileSync(python, ['-m', 'blazz.dev.envfile', '.env'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const env = { ...process.env, PORT: String(STACK.webPort), BRIDGE_PORT: String(STACK.bridgePort), BLAZZ_DATA_DIR: STACK.dataDir };
  // The demo number is minutes old: without this, the send governor's warm-up (a quarter of the
  // caps) would pace every spec's auto-replies and scheduled messages as a new number's.
  env.GOVERNOR_WARMUP_DAYS = env.GOVERNOR_WARMUP_DAYS || '0';
  // Its own embedded PostgreSQL and Redis, never the ones of `make run` or `make test`.
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.BLAZZ_WEB_PORT;
  delete env.BRIDGE_URL;
  delete env.BRIDGE_DATA_DIR;
  delete env.DJANGO_WEBHOOK_URL;
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const log = fs.createWriteStream(path.join(RESULTS_DIR, 'e2e-stack.log'));
  const child = spawn(python, ['-m', 'blazz.dev.devrun'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let bannerSeen = false;
  const onData = (chunk) => {
    log.write(chunk);
    if (!bannerSeen) {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('Blazz is running')) bannerSeen = true;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    log.end();
  });
  return {
    child,
    bannerSeen: () => bannerSeen,
    exited: () => exited,
    tail: () => output.slice(-3000),
  };
}

async function healthy() {
  try {
    const res = await nodeRequest({ path: '/api/health/', host: STACK.publicHost, timeoutMs: 2000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopStack(stack) {
  if (!stack || stack.exited()) return;
  const pid = stack.child.pid;
  try {
    process.kill(pid, 'SIGTERM'); // devrun stops honcho, the embedded servers, then exits
  } catch {
    return;
  }
  try {
    await waitFor(() => stack.exited(), { timeout: 60_000, interval: 250, what: 'the stack to stop' });
  } catch {
    // It did not stop in time: end its process group (it was started detached, so that group is ours).
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Log in through the server-rendered form; returns the page on the inbox. */
export async function loginAs(context, { email, password }, baseUrl = STACK.demoUrl) {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login/`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForLoadState('load'), page.locator('form button[type=submit], form [type=submit]').first().click()]);
  return page;
}

export default async function globalSetup() {
  fs.mkdirSync(path.dirname(DEMO_STATE), { recursive: true });
  buildSpaIfStale();
  let stack = null;
  let stub = null;
  if (process.env.E2E_STACK === 'stub') {
    // Only to check the suite itself without the backend (see e2e/stub/README.md).
    const { startContractStub } = await import('./stub/server.mjs');
    stub = await startContractStub({ webPort: STACK.webPort, bridgePort: STACK.bridgePort });
  } else if (process.env.E2E_EXTERNAL_STACK !== '1') {
    if (await healthy()) {
      throw new Error(`Something already answers on port ${STACK.webPort}: stop it, or set E2E_EXTERNAL_STACK=1 to test against it.`);
    }
    stack = startStack();
    try {
      await waitFor(async () => {
        if (stack.exited()) throw new Error(`the stack exited (${JSON.stringify(stack.exited())}):\n${stack.tail()}`);
        return stack.bannerSeen() && (await healthy());
      }, { timeout: START_TIMEOUT_MS, interval: 500, what: 'the stack (python -m blazz.dev.devrun)' });
    } catch (err) {
      await stopStack(stack);
      throw new Error(`${err.message}\n--- stack output ---\n${stack.tail()}`);
    }
  }

  if (!stub && !bridgeToken()) throw new Error('BRIDGE_TOKEN not found in the environment nor in .env (run `make install`)');

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const page = await loginAs(context, DEMO_USER);
    await page.waitForURL(`${STACK.demoUrl}/`, { timeout: 30_000 });
    const world = await page.evaluate(async () => {
      const json = async (url) => {
        const res = await fetch(url, { headers: { Accept: 'application/json' } });
        const text = await res.text();
        try {
          return { status: res.status, body: JSON.parse(text) };
        } catch {
          return { status: res.status, body: null, text: text.slice(0, 200) };
        }
      };
      return { me: await json('/api/v1/me/'), sessions: await json('/api/v1/sessions/') };
    });
    if (world.me.status !== 200 || !world.me.body) {
      throw new Error(`the backend does not answer GET /api/v1/me/ as docs/api.md says (HTTP ${world.me.status}): ${world.me.text || ''}`);
    }
    // Without the sessions API the tests that need the sandbox fail with this reason; the others
    // (login, tenancy) still run.
    const missing = [];
    let session = null;
    if (world.sessions.status !== 200 || !world.sessions.body) {
      missing.push(`GET /api/v1/sessions/ answered HTTP ${world.sessions.status}: ${(world.sessions.text || '').replace(/\s+/g, ' ').slice(0, 120)}`);
    } else {
      const sessions = Array.isArray(world.sessions.body) ? world.sessions.body : world.sessions.body.results;
      session = sessions.find((s) => s.engine === 'sandbox' && s.status === 'connected') || sessions.find((s) => s.engine === 'sandbox');
      if (!session) missing.push(`the demo workspace has no sandbox session: ${JSON.stringify(sessions)}`);
    }
    if (session) {
      try {
        await waitFor(async () => {
          const answer = await page.evaluate(async (id) => (await fetch(`/api/v1/sessions/${encodeURIComponent(id)}/`)).json(), session.id);
          return answer.status === 'connected';
        }, { timeout: 60_000, what: `sandbox session ${session.id} to be connected` });
      } catch (err) {
        missing.push(err.message);
      }
      // The demo number's customers write first once it is paired (its `greetings`): let them
      // land before the tests, so none arrives in the middle of one and reorders the chat list.
      const greetings = session.options?.greetings || [];
      try {
        await waitFor(async () => {
          const chats = await page.evaluate(async () => (await fetch('/api/v1/chats/?page_size=100')).json());
          const phones = new Set((chats.results || []).map((c) => c.phone));
          return greetings.every((g) => phones.has(`+${g.from}`));
        }, { timeout: 30_000, what: `the demo's ${greetings.length} greetings` });
      } catch (err) {
        console.warn(`[e2e] ${err.message}: the tests go on without them`);
      }
    }
    await context.storageState({ path: DEMO_STATE });
    fs.writeFileSync(WORLD_FILE, JSON.stringify({ sessionId: session ? session.id : null, me: world.me.body, missing }, null, 2));
    await context.close();
  } catch (err) {
    await browser.close();
    await stopStack(stack);
    await stub?.close();
    throw err;
  }
  await browser.close();

  return async () => {
    await stopStack(stack);
    await stub?.close();
  };
}
