// The automation settings: the rule tester says which rule would fire; the broadcast wizard shows
// the recipients, the CSV's bad rows and the pacing estimate before anything is sent.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    autoReplies: vi.fn(async () => [{ id: 1, name: 'Price', trigger: 'keyword', pattern: 'harga', fired_count: 2, last_error: '', enabled: true }]),
    templates: vi.fn(async () => [{ id: 7, name: 'Promo', category: 'marketing', body: 'Halo {{contact.name}}' }]),
    testAutoReplies: vi.fn(async () => ({ rule: { id: 1, name: 'Price' }, rules: [], open_now: true, closed_period: '' })),
    saveAutoReply: vi.fn(async () => ({})),
    broadcasts: vi.fn(async () => []),
    createBroadcast: vi.fn(async () => ({ id: 3, progress: { total: 301, skipped: 1 }, estimate_seconds: 10800,
      bad_rows: [{ line: 4, reason: 'Invalid phone number.' }] })),
    broadcastAction: vi.fn(async () => ({})),
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { default: RulesPanel } = await import('../../../src/components/automation/RulesPanel.vue');
const { default: BroadcastsPanel } = await import('../../../src/components/automation/BroadcastsPanel.vue');

describe('automation settings', () => {
  beforeEach(() => vi.clearAllMocks());

  it('test_the_rule_tester_names_the_rule_that_would_fire', async () => {
    const w = mount(RulesPanel);
    await flushPromises();
    expect(w.findAll('[data-testid=rule-row]')).toHaveLength(1);
    await w.find('[data-testid=rule-tester] input').setValue('Berapa HARGA?');
    await w.find('[data-testid=rule-tester]').trigger('submit');
    await flushPromises();
    expect(api.testAutoReplies).toHaveBeenCalledWith('Berapa HARGA?', null); // no chat chosen: text only
    expect(w.find('[data-testid=tester-result]').text()).toContain('Price');
  });

  it('test_the_broadcast_wizard_shows_recipients_bad_rows_and_the_estimate', async () => {
    const w = mount(BroadcastsPanel);
    await flushPromises();
    const form = w.find('[data-testid=broadcast-wizard]');
    await form.find('input').setValue('Launch');
    await form.find('select').setValue(7);
    await form.find('textarea').setValue('phone\n+6281234567890\nbad');
    await form.trigger('submit');
    await flushPromises();
    expect(api.createBroadcast).toHaveBeenCalledWith({ name: 'Launch', template_id: 7, csv: 'phone\n+6281234567890\nbad' });
    const draft = w.find('[data-testid=broadcast-draft]').text();
    expect(draft).toContain('300');
    expect(draft).toContain('3 h');
    expect(draft).toContain('Line 4');
    w.unmount();
  });
});
