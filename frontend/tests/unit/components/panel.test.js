// The contact panel's pieces: system lines in the viewer's language, the mention toast for the
// agent it names only, typed custom fields saved through the contact PATCH with the server's
// 400 shown beside the field, and labels added and removed through the chat PATCH.
import { it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { i18n, setLocale } from '../../../src/i18n/index.js';
import { makeChat } from '../helpers.js';

const calls = [];
vi.mock('../../../src/api/index.js', () => ({
  pageOf: (answer) => ({ results: Array.isArray(answer) ? answer : answer.results }),
  api: {
    labels: vi.fn(async () => [{ id: 1, name: 'VIP', color: '#ff0000' }, { id: 2, name: 'Refund', color: '#00ff00' }]),
    customFields: vi.fn(async () => [{ id: 1, key: 'plan', name: 'Plan', type: 'choice', choices: ['free', 'pro'] },
      { id: 2, key: 'seats', name: 'Seats', type: 'number', choices: [] }]),
    updateContact: vi.fn(async (id, changes) => {
      calls.push(['contact', id, changes]);
      if (changes.custom_fields?.seats === 999) {
        const err = new Error('Some custom fields do not fit their type.');
        err.fields = { 'custom_fields.seats': ['a number'] };
        throw err;
      }
      return { id, custom_fields: changes.custom_fields };
    }),
    updateChat: vi.fn(async (id, changes) => {
      calls.push(['chat', id, changes]);
      return { id, labels: changes.label_ids.map((l) => ({ id: l, name: `L${l}`, color: '#000000' })) };
    }),
  },
}));

const { systemLineText } = await import('../../../src/lib/systemLine.js');
const { useTeamStore } = await import('../../../src/stores/team.js');
const { useMeStore } = await import('../../../src/stores/me.js');
const { useChatsStore } = await import('../../../src/stores/chats.js');
const ContactFields = (await import('../../../src/components/panel/ContactFields.vue')).default;
const LabelPicker = (await import('../../../src/components/panel/LabelPicker.vue')).default;

beforeEach(() => {
  setActivePinia(createPinia());
  calls.length = 0;
  setLocale('en', { remember: false });
});

it('test_a_system_line_renders_in_the_viewers_language_from_its_facts', () => {
  const line = { type: 'system', body: 'Ana assigned this to Budi', system_data: { kind: 'assigned', by: 'Ana', to: 'Budi' } };
  expect(systemLineText(line)).toBe('Ana assigned this to Budi');
  setLocale('id', { remember: false });
  expect(systemLineText(line)).toBe('Ana menugaskan ini ke Budi');
  expect(systemLineText({ body: 'x', system_data: { kind: 'reopened', reason: 'customer' } })).toBe('Dibuka kembali: pelanggan menulis');
  expect(systemLineText({ body: 'x', system_data: { kind: 'status', status: 'resolved', by: 'Budi' } })).toBe('Budi menyelesaikan ini');
});

it('test_a_line_without_facts_or_of_an_unknown_kind_shows_its_english_body', () => {
  expect(systemLineText({ body: 'Old line', system_data: null })).toBe('Old line');
  expect(systemLineText({ body: 'Future line', system_data: { kind: 'merged' } })).toBe('Future line');
});

it('test_a_mention_toasts_only_for_the_agent_it_names', () => {
  const me = useMeStore();
  me.user = { id: 7, name: 'Budi' };
  const team = useTeamStore();
  team.applyMention({ contact_id: 3, message_id: 9, user_id: 8, by: { id: 1, name: 'Ana' } });
  expect(team.toasts).toHaveLength(0);
  team.applyMention({ contact_id: 3, message_id: 9, user_id: 7, by: { id: 1, name: 'Ana' } });
  expect(team.toasts.map((t) => [t.contact_id, t.by.name])).toEqual([[3, 'Ana']]);
});

it('test_a_custom_field_is_saved_typed_and_a_refusal_shows_beside_it', async () => {
  const chat = makeChat({ id: 5, custom_fields: { crm: 'x' } });
  useChatsStore().applyChatUpdated(chat);
  const w = mount(ContactFields, { props: { chat }, global: { plugins: [i18n] } });
  await flushPromises();
  const [plan, seats] = w.findAll('[data-testid=field-input]');
  await plan.setValue('pro');
  await flushPromises();
  expect(calls[0]).toEqual(['contact', 5, { custom_fields: { crm: 'x', plan: 'pro' } }]);
  await seats.setValue('12');
  await flushPromises();
  expect(calls[1][2].custom_fields.seats).toBe(12);
  await seats.setValue('999');
  await flushPromises();
  expect(w.get('[data-testid=field-error]').text()).toBe('a number');
});

it('test_labels_are_added_and_removed_as_the_whole_list', async () => {
  const chat = makeChat({ id: 6, labels: [{ id: 1, name: 'VIP', color: '#ff0000' }] });
  useChatsStore().applyChatUpdated(chat);
  const w = mount(LabelPicker, { props: { chat }, global: { plugins: [i18n] } });
  await flushPromises();
  await w.get('[data-testid=label-add]').setValue('2');
  await flushPromises();
  expect(calls[0]).toEqual(['chat', 6, { label_ids: [1, 2] }]);
  await w.get('[data-testid=label-remove]').trigger('click');
  await flushPromises();
  expect(calls[1]).toEqual(['chat', 6, { label_ids: [] }]);
});

it('test_the_router_hands_a_note_mention_to_the_team_store', async () => {
  const { createRouter } = await import('../../../src/realtime/router.js');
  const { useMessagesStore } = await import('../../../src/stores/messages/index.js');
  const { useSessionsStore } = await import('../../../src/stores/sessions.js');
  const { useRealtimeStore } = await import('../../../src/stores/connection.js');
  useMeStore().user = { id: 7, name: 'Budi' };
  const team = useTeamStore();
  const stores = { chats: useChatsStore(), messages: useMessagesStore(), sessions: useSessionsStore(), connection: useRealtimeStore(), team };
  const router = createRouter({ stores });
  stores.connection.lastSeq = 10;
  router.handleFrame({ type: 'note.mention', seq: 11, contact_id: 3, message_id: 9, user_id: 7, by: { id: 1, name: 'Ana' } });
  expect(team.toasts.map((t) => t.message_id)).toEqual([9]);
  expect(stores.connection.lastSeq).toBe(11);
});
