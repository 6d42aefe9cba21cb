import { describe, it, expect } from 'vitest';
import { exposeTestHooks, TEST_HOOKS_KEY } from '../../../src/lib/testHooks.js';

function memoryStorage(values = {}) {
  return { getItem: (k) => (k in values ? values[k] : null) };
}

describe('test hooks (window.__blazz)', () => {
  const hooks = { pinia: {}, realtime: {} };

  it('test_a_production_build_does_not_expose_the_stores', () => {
    const target = {};
    exposeTestHooks(target, hooks, { dev: false, location: { search: '' }, storage: memoryStorage() });
    expect(target.__blazz).toBeUndefined();
  });

  it('test_tests_ask_for_them_by_query_or_local_storage', () => {
    const byQuery = {};
    exposeTestHooks(byQuery, hooks, { dev: false, location: { search: '?test-hooks' }, storage: memoryStorage() });
    expect(byQuery.__blazz).toBe(hooks);
    const byStorage = {};
    exposeTestHooks(byStorage, hooks, { dev: false, location: { search: '' }, storage: memoryStorage({ [TEST_HOOKS_KEY]: '1' }) });
    expect(byStorage.__blazz).toBe(hooks);
  });

  it('test_the_dev_server_always_exposes_them', () => {
    const target = {};
    exposeTestHooks(target, hooks, { dev: true });
    expect(target.__blazz).toBe(hooks);
  });
});
