import { it, expect, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { i18n, setTimeZone } from '../../../src/i18n/index.js';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    templates: vi.fn(async () => [{ id: 4, name: 'Promo', body: 'Halo {{contact.first_name}}, diskon {{1}}', variables: ['contact.first_name', '1'] }]),
    previewTemplate: vi.fn(async (id, { variables }) => ({ text: `Halo Budi, diskon ${variables['1'] || '{{1}}'}`, media_id: null })),
  },
  pageOf: (answer) => ({ results: Array.isArray(answer) ? answer : answer.results }),
}));
const { api } = await import('../../../src/api/index.js');
const TemplatePicker = (await import('../../../src/components/TemplatePicker.vue')).default;
const AttachmentPreview = (await import('../../../src/components/AttachmentPreview.vue')).default;

async function later(w) {
  await w.get('[data-testid=schedule-toggle]').trigger('click');
  await w.get('[data-testid=schedule-at]').setValue('2099-01-01T10:00');
  await w.get('[data-testid=schedule-form]').trigger('submit');
}

it('test_a_template_with_its_variables_can_be_sent_later', async () => {
  setTimeZone('Asia/Jakarta');
  const w = mount(TemplatePicker, { props: { contactId: 3 }, global: { plugins: [i18n] } });
  await w.get('[data-testid=template-picker]').trigger('click');
  await flushPromises();
  await w.get('[data-testid=template-option]').trigger('click');
  await flushPromises();
  const field = w.get('[data-testid=template-variable]');
  await field.setValue('20%');
  await field.trigger('change');
  await flushPromises();
  expect(api.previewTemplate).toHaveBeenLastCalledWith(4, { contact_id: 3, variables: { 1: '20%' } });
  expect(w.get('[data-testid=template-preview]').text()).toContain('Halo Budi, diskon 20%');
  await later(w);
  expect(w.emitted('schedule')[0]).toEqual([{ template_id: 4, variables: { 1: '20%' }, sendAt: '2099-01-01T03:00:00.000Z' }]);
  setTimeZone(null);
});

it('test_a_file_and_its_caption_can_be_sent_later', async () => {
  setTimeZone('Asia/Jakarta');
  globalThis.URL.createObjectURL = vi.fn(() => 'blob:x');
  globalThis.URL.revokeObjectURL = vi.fn();
  const file = new File(['x'], 'katalog.png', { type: 'image/png' });
  const w = mount(AttachmentPreview, { props: { files: [file] }, global: { plugins: [i18n] } });
  await w.get('[data-testid=attachment-caption]').setValue('Katalog baru');
  await later(w);
  const [{ items, caption, sendAt }] = w.emitted('schedule')[0];
  expect([items[0].file.name, items[0].type, caption, sendAt]).toEqual(['katalog.png', 'image', 'Katalog baru', '2099-01-01T03:00:00.000Z']);
  expect(w.emitted('send')).toBeUndefined();
  setTimeZone(null);
});
