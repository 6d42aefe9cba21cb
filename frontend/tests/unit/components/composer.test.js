import { it, expect, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { i18n } from '../../../src/i18n/index.js';
vi.mock('../../../src/api/index.js', () => ({ api: { cannedReplies: vi.fn(async () => []) } }));
const Composer = (await import('../../../src/components/Composer.vue')).default;
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
