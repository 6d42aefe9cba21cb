// The settings page's API keys: the scopes a key is made with are chosen (read and send ticked
// by default) and shown in the list.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    members: vi.fn(async () => []),
    invitations: vi.fn(async () => []),
    apiKeys: vi.fn(async () => [{ id: 1, name: 'HubSpot', prefix: 'blz_1', scopes: ['read', 'manage'],
      created_at: '2026-11-25T10:00:00Z', last_used_at: null, revoked_at: null }]),
    createApiKey: vi.fn(async (name, scopes) => ({ id: 2, name, scopes, prefix: 'blz_2', key: 'blz_2_secret' })),
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { useMeStore } = await import('../../../src/stores/me.js');
const { default: SettingsPage } = await import('../../../src/pages/SettingsPage.vue');

function mountPage() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const me = useMeStore();
  me.$patch({ loaded: true, role: 'owner', user: { id: 1 }, workspace: { slug: 'demo' } });
  return mount(SettingsPage, { global: { plugins: [pinia], stubs: { RouterLink: true, PreferencesCard: true,
    WebhooksSection: true } } });
}

describe('SettingsPage API keys', () => {
  beforeEach(() => vi.clearAllMocks());

  it('test_a_key_s_scopes_are_shown_in_the_list', async () => {
    const w = mountPage();
    await flushPromises();
    expect(w.find('[data-testid=api-key-scopes]').text()).toBe('Read, Manage');
  });

  it('test_a_new_key_is_made_with_the_scopes_ticked_read_and_send_by_default', async () => {
    const w = mountPage();
    await flushPromises();
    expect(w.find('[data-testid=scope-read]').element.checked).toBe(true);
    expect(w.find('[data-testid=scope-send]').element.checked).toBe(true);
    expect(w.find('[data-testid=scope-manage]').element.checked).toBe(false);
    await w.find('[data-testid=api-key-name]').setValue('Zapier');
    await w.find('[data-testid=scope-send]').setValue(false);
    await w.find('[data-testid=scope-manage]').setValue(true);
    await w.find('[data-testid=api-key-form]').trigger('submit');
    await flushPromises();
    expect(api.createApiKey).toHaveBeenCalledWith('Zapier', ['read', 'manage']);
    expect(w.find('[data-testid=new-api-key]').text()).toContain('blz_2_secret');
  });

  it('test_no_scope_ticked_makes_no_key', async () => {
    const w = mountPage();
    await flushPromises();
    await w.find('[data-testid=api-key-name]').setValue('None');
    await w.find('[data-testid=scope-read]').setValue(false);
    await w.find('[data-testid=scope-send]').setValue(false);
    await w.find('[data-testid=api-key-form]').trigger('submit');
    await flushPromises();
    expect(api.createApiKey).not.toHaveBeenCalled();
  });
});
