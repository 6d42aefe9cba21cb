import { it, expect, vi } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { i18n, setTimeZone } from '../../../src/i18n/index.js';

const scheduled = [{ id: 7, contact_id: 3, type: 'text', body: 'Pengingat', caption: '', send_at: '2099-12-03T07:00:00Z', status: 'scheduled' }];
vi.mock('../../../src/api/index.js', () => ({
  api: {
    scheduled: vi.fn(async () => scheduled),
    cancelScheduled: vi.fn(async (id) => ({ ...scheduled[0], id, status: 'cancelled' })),
    updateScheduled: vi.fn(async (id, changes) => ({ ...scheduled[0], id, ...changes })),
  },
  pageOf: (answer) => ({ results: Array.isArray(answer) ? answer : answer.results }),
}));
const { api } = await import('../../../src/api/index.js');
const ScheduledMessages = (await import('../../../src/components/ScheduledMessages.vue')).default;
const ScheduleSend = (await import('../../../src/components/ScheduleSend.vue')).default;

it('test_a_scheduled_message_reads_in_the_agents_zone_and_edits_and_cancels', async () => {
  setTimeZone('Asia/Jakarta');
  const pinia = createPinia();
  setActivePinia(pinia);
  const w = mount(ScheduledMessages, { props: { contactId: 3 }, global: { plugins: [i18n, pinia] } });
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
  await flushPromises();
  expect(w.find('[data-testid=scheduled-bubble]').exists()).toBe(false); // cancelled: it leaves the list
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

it('test_scheduled_frames_keep_the_thread_list_current_and_show_what_will_go', async () => {
  const pinia = createPinia();
  setActivePinia(pinia);
  const { useScheduledStore } = await import('../../../src/stores/scheduled.js');
  const { createRouter } = await import('../../../src/realtime/router.js');
  const { SERVER_EVENTS: E } = await import('../../../src/realtime/events.js');
  const store = useScheduledStore();
  api.scheduled.mockResolvedValueOnce([]);
  const w = mount(ScheduledMessages, { props: { contactId: 3 }, global: { plugins: [i18n, pinia] } });
  await flushPromises();
  expect(w.find('[data-testid=scheduled-bubble]').exists()).toBe(false);
  const connection = { lastSeq: 10, noteRefetch: () => {} };
  const router = createRouter({ stores: { chats: {}, messages: {}, sessions: {}, connection, scheduled: store } });
  const photo = { id: 8, contact_id: 3, type: 'image', body: '', caption: 'Katalog', media_id: 'f0', media_filename: 'katalog.jpg',
    media_mimetype: 'image/jpeg', template_id: null, template_name: null, send_at: '2099-12-03T08:00:00Z', status: 'scheduled' };
  const promo = { ...photo, id: 9, type: 'text', body: 'Halo Budi, promo', caption: '', media_id: null, media_filename: null,
    template_id: 4, template_name: 'Promo', send_at: '2099-12-03T07:30:00Z' };
  router.handleFrame({ type: E.SCHEDULED_CREATED, seq: 11, contact_id: 3, scheduled: photo });
  router.handleFrame({ type: E.SCHEDULED_CREATED, seq: 12, contact_id: 3, scheduled: promo });
  router.handleFrame({ type: E.SCHEDULED_CREATED, seq: 13, contact_id: 99, scheduled: { ...photo, id: 10, contact_id: 99 } });
  await flushPromises();
  const bubbles = w.findAll('[data-testid=scheduled-bubble]');
  expect(bubbles.map((b) => b.text().includes('Promo'))).toEqual([true, false]); // by send_at
  expect(bubbles[0].text()).toContain('Template: Promo');
  expect(bubbles[0].text()).toContain('Halo Budi, promo');
  expect(bubbles[1].get('[data-testid=scheduled-attachment]').text()).toContain('katalog.jpg');
  expect(bubbles[1].text()).toContain('Katalog');
  router.handleFrame({ type: E.SCHEDULED_UPDATED, seq: 14, contact_id: 3, scheduled: { ...photo, send_at: '2099-12-03T07:00:00Z' } });
  await flushPromises();
  expect(w.findAll('[data-testid=scheduled-bubble]')[0].text()).toContain('Katalog');
  router.handleFrame({ type: E.SCHEDULED_SENT, seq: 15, contact_id: 3, scheduled: { ...promo, status: 'sent' } });
  router.handleFrame({ type: E.SCHEDULED_CANCELLED, seq: 16, contact_id: 3, scheduled: { ...photo, status: 'cancelled' } });
  await flushPromises();
  expect(w.find('[data-testid=scheduled-bubble]').exists()).toBe(false);
  expect(store.byContact[99]).toBeUndefined(); // a chat not loaded here keeps no list
  w.unmount();
});
