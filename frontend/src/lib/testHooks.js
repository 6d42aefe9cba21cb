// Tests and benches reach the app's stores through `window.__blazz` (components never do). A
// production build exposes it only when asked, so a page's scripts (an extension, an injected
// script) do not get a handle on the stores for free: `?test-hooks` in the address, or
// localStorage `blazz:test-hooks` = "1" (set before the page loads). `npm run dev` always does.
export const TEST_HOOKS_KEY = 'blazz:test-hooks';

export function testHooksWanted({ dev = import.meta.env.DEV, location = globalThis.location, storage } = {}) {
  if (dev) return true;
  try {
    if (location && new URLSearchParams(location.search).has('test-hooks')) return true;
    const s = storage ?? globalThis.localStorage;
    return Boolean(s && s.getItem(TEST_HOOKS_KEY) === '1');
  } catch {
    return false; // storage disabled
  }
}

/** Put `hooks` on `target.__blazz` when tests asked for them (see above). */
export function exposeTestHooks(target, hooks, opts) {
  if (testHooksWanted(opts)) target.__blazz = hooks;
}
