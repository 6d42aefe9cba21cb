import { it, expect, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { i18n } from '../../../src/i18n/index.js';
vi.mock('../../../src/api/index.js', () => ({ api: { cannedReplies: vi.fn(async () => []) } }));
const Composer = (await import('../../../src/components/Composer.vue')).default;
// Imported once, up front: imported inside the test it counted against the test's 5 s on a busy machine.
const MessageBubble = (await import('../../../src/components/MessageBubble.vue')).default;
it('test_mounts', () => {
  setActivePinia(createPinia());
  const w = mount(Composer, { props: { modelValue: '', contactId: 1 }, global: { plugins: [i18n] } });
  expect(w.html()).toContain('composer');
});

it('test_note_mode_says_so_and_sends_as_a_note', async () => {
  setActivePinia(createPinia());
  const w = mount(Composer, { props: { modelValue: 'hi', contactId: 1 }, global: { plugins: [i18n] } });
  await w.get('[data-testid=note-toggle]').trigger('click');
  expect(w.get('[data-testid=composer]').attributes('placeholder')).toBe('Write a private note: @name notifies them');
  await w.get('[data-testid=send]').trigger('click');
  expect(w.emitted('send')[0]).toEqual(['hi', { note: true }]);
});

it('test_our_text_within_15_minutes_can_be_edited_and_deleted_a_customers_cannot', async () => {
  const now = new Date().toISOString();
  const ours = { id: 5, direction: 'out', type: 'text', body: 'the price is 100', status: 'sent', wa_message_id: 'w1', timestamp: now, sent_at: now, reactions: [] };
  const w = mount(MessageBubble, { props: { message: ours }, global: { plugins: [i18n] } });
  const menu = (bubble) => bubble.get('[data-testid=message-menu-button]').trigger('click');
  await menu(w);
  await w.get('[data-testid=edit-message]').trigger('click');
  await w.get('[data-testid=edit-input]').setValue('the price is 90');
  await w.get('[data-testid=edit-form]').trigger('submit');
  expect(w.emitted('edit')[0]).toEqual(['the price is 90']);
  await menu(w);
  await w.get('[data-testid=delete-message]').trigger('click');
  expect(w.emitted('deleteMessage')).toHaveLength(1);

  const old = new Date(Date.now() - 20 * 60 * 1000).toISOString();
  const late = mount(MessageBubble, { props: { message: { ...ours, timestamp: old, sent_at: old } }, global: { plugins: [i18n] } });
  await menu(late);
  expect(late.find('[data-testid=delete-message]').exists()).toBe(true);
  expect(late.find('[data-testid=edit-message]').exists()).toBe(false);
  const theirs = mount(MessageBubble, { props: { message: { ...ours, direction: 'in' } }, global: { plugins: [i18n] } });
  await menu(theirs);
  expect(theirs.find('[data-testid=forward-message]').exists()).toBe(true); // a customer's message can be forwarded
  expect(theirs.find('[data-testid=edit-message]').exists()).toBe(false);
  expect(theirs.find('[data-testid=delete-message]').exists()).toBe(false);
});
