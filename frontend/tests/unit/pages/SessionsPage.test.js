// The sessions page's "Add a number" form: a name typed while an earlier Add is still running
// stays in the field (it used to be wiped when that Add answered).
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { deferred } from '../helpers.js';

vi.mock('../../../src/api/index.js', () => ({
  api: { sessions: vi.fn(async () => []), createSession: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { ApiError } = await import('../../../src/api/http.js');
const { default: SessionsPage } = await import('../../../src/pages/SessionsPage.vue');

function mountPage() {
  const pinia = createPinia();
  setActivePinia(pinia);
  return mount(SessionsPage, { global: { plugins: [pinia], stubs: { RouterLink: { template: '<a><slot /></a>' } } } });
}

describe('SessionsPage', () => {
  beforeEach(() => vi.clearAllMocks());

  it('test_a_name_typed_while_an_add_runs_is_kept', async () => {
    const w = mountPage();
    await flushPromises();
    const answer = deferred();
    api.createSession.mockReturnValueOnce(answer.promise);
    const field = w.find('[data-testid=session-name]');
    await field.setValue('Sales');
    await w.find('[data-testid=add-session]').trigger('submit');
    expect(api.createSession).toHaveBeenCalledWith({ engine: 'sandbox', name: 'Sales' });
    await field.setValue('Support'); // the next one, while the first is on its way
    answer.resolve({ id: 's1', name: 'Sales', engine: 'sandbox', status: 'starting', created_at: '2026-11-25T10:00:00Z', updated_at: '2026-11-25T10:00:00Z' });
    await flushPromises();
    expect(field.element.value).toBe('Support');
  });

  it('test_a_refused_add_gives_the_name_back', async () => {
    const w = mountPage();
    await flushPromises();
    api.createSession.mockRejectedValueOnce(new ApiError(400, 'invalid_request', 'Name too long.'));
    const field = w.find('[data-testid=session-name]');
    await field.setValue('Sales');
    await w.find('[data-testid=add-session]').trigger('submit');
    await flushPromises();
    expect(field.element.value).toBe('Sales');
    expect(w.find('[role=alert]').text()).toBe('Name too long.');
  });
});
