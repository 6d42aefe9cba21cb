import { it, expect, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { i18n, setTimeZone } from '../../../src/i18n/index.js';

const scheduled = [{ id: 7, body: 'Pengingat', caption: '', send_at: '2099-12-03T07:00:00Z', status: 'scheduled' }];
vi.mock('../../../src/api/index.js', () => ({
  api: {
    scheduled: vi.fn(async () => scheduled),
    cancelScheduled: vi.fn(async () => ({})),
    updateScheduled: vi.fn(async () => ({})),
  },
  pageOf: (answer) => ({ results: Array.isArray(answer) ? answer : answer.results }),
}));
const { api } = await import('../../../src/api/index.js');
const ScheduledMessages = (await import('../../../src/components/ScheduledMessages.vue')).default;
const ScheduleSend = (await import('../../../src/components/ScheduleSend.vue')).default;

it('test_a_scheduled_message_reads_in_the_agents_zone_and_edits_and_cancels', async () => {
  setTimeZone('Asia/Jakarta');
  const w = mount(ScheduledMessages, { props: { contactId: 3 }, global: { plugins: [i18n] } });
  await flushPromises();
  expect(w.get('[data-testid=scheduled-bubble]').text()).toContain('Scheduled for');
  expect(w.get('[data-testid=scheduled-bubble]').text()).toContain('14:00');
  await w.get('[data-testid=scheduled-edit-open]').trigger('click');
  expect(w.get('input[type=datetime-local]').element.value).toBe('2099-12-03T14:00');
  await w.get('input[type=datetime-local]').setValue('2099-12-03T16:30');
  await w.get('[data-testid=scheduled-edit]').trigger('submit');
  await flushPromises();
  expect(api.updateScheduled).toHaveBeenCalledWith(7, { body: 'Pengingat', send_at: '2099-12-03T09:30:00.000Z' });
  await w.get('[data-testid=scheduled-cancel]').trigger('click');
  expect(api.cancelScheduled).toHaveBeenCalledWith(7);
  w.unmount();
  setTimeZone(null);
});

it('test_send_later_emits_the_instant_and_refuses_the_past', async () => {
  setTimeZone('Asia/Jakarta');
  const w = mount(ScheduleSend, { global: { plugins: [i18n] } });
  await w.get('[data-testid=schedule-toggle]').trigger('click');
  expect(w.text()).toContain('Asia/Jakarta');
  await w.get('[data-testid=schedule-at]').setValue('2000-01-01T10:00');
  expect(w.get('[data-testid=schedule-confirm]').attributes('disabled')).toBeDefined();
  await w.get('[data-testid=schedule-at]').setValue('2099-01-01T10:00');
  await w.get('[data-testid=schedule-form]').trigger('submit');
  expect(w.emitted('schedule')[0]).toEqual(['2099-01-01T03:00:00.000Z']);
  setTimeZone(null);
});
