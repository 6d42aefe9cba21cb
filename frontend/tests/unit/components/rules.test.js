import { it, expect, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { i18n, setLocale } from '../../../src/i18n/index.js';

const rule = {
  id: 4, name: 'Welcome back', enabled: true, trigger: 'keyword', match_type: 'contains', pattern: 'harga',
  condition_statuses: ['resolved'], condition_label_ids: [2], condition_contact_is_new: null, condition_unassigned: null,
  reply_template_id: 9, reply_text: '', assign_to_id: 5, add_label_ids: [3], set_status: 'pending', stop_here: true,
  fired_count: 1, last_error: '',
};
vi.mock('../../../src/api/index.js', () => ({
  api: {
    autoReplies: vi.fn(async () => [rule]),
    templates: vi.fn(async () => [{ id: 9, name: 'Price list' }]),
    labels: vi.fn(async () => [{ id: 2, name: 'vip' }, { id: 3, name: 'hot' }]),
    members: vi.fn(async () => [{ user_id: 5, name: 'Ana' }]),
    chats: vi.fn(async () => ({ results: [{ id: 11, display_name: 'Budi', phone: '+62812' }] })),
    testAutoReplies: vi.fn(async () => ({ rule, open_now: true, closed_period: '', rules: [rule] })),
  },
  pageOf: (answer) => ({ results: Array.isArray(answer) ? answer : answer.results }),
}));
const { api } = await import('../../../src/api/index.js');
const { ruleSummary } = await import('../../../src/components/automation/ruleSummary.js');
const RulesPanel = (await import('../../../src/components/automation/RulesPanel.vue')).default;

it('test_the_rules_table_says_trigger_conditions_and_actions_in_one_line', async () => {
  setLocale('en', { remember: false });
  const w = mount(RulesPanel, { global: { plugins: [i18n] } });
  await flushPromises();
  const line = w.get('[data-testid=rule-summary]').text();
  expect(line).toContain('When the text contains “harga”');
  expect(line).toContain('only if the chat is Resolved, it has vip');
  expect(line).toContain('then reply with template Price list, assign to Ana, add hot, set it Pending, stop');
  setLocale('id', { remember: false });
  await flushPromises();
  const id = w.get('[data-testid=rule-summary]').text();
  expect(id).toContain('Saat teks mengandung “harga”');
  expect(id).toContain('tugaskan ke Ana');
  setLocale('en', { remember: false });
  w.unmount();
});

it('test_a_summary_names_other_triggers_and_ids_it_cannot_name', () => {
  setLocale('en', { remember: false });
  const line = ruleSummary({ trigger: 'first_message', condition_contact_is_new: false, reply_text: 'Halo', add_label_ids: [77] }, {});
  expect(line).toBe('When a new contact writes first · only if the contact is not new · then reply “Halo”, add #77');
});

it('test_the_tester_can_run_in_a_chosen_chat', async () => {
  const w = mount(RulesPanel, { global: { plugins: [i18n] } });
  await flushPromises();
  await w.get('[data-testid=rule-tester] input').setValue('harga?');
  await w.get('[data-testid=tester-chat]').setValue(11);
  await w.get('[data-testid=rule-tester]').trigger('submit');
  await flushPromises();
  expect(api.testAutoReplies).toHaveBeenLastCalledWith('harga?', 11);
  expect(w.get('[data-testid=tester-result]').text()).toContain('Would fire: Welcome back');
  w.unmount();
});
