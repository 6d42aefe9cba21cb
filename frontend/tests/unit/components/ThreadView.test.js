import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { makeChat, makeMessage } from '../helpers.js';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    messages: vi.fn(async () => ({ next: null, results: [] })),
    sendMessage: vi.fn(() => new Promise(() => {})),
    exportUrl: () => '#',
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));

const { default: ThreadView } = await import('../../../src/components/ThreadView.vue');
const { default: Composer } = await import('../../../src/components/Composer.vue');
const { useChatsStore } = await import('../../../src/stores/chats.js');
const { REALTIME_KEY } = await import('../../../src/realtime/index.js');
const { api } = await import('../../../src/api/index.js');
const { setTimeZone } = await import('../../../src/i18n/index.js');

describe('ThreadView', () => {
  let pinia;
  let realtime;
  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    realtime = { sendTyping: vi.fn(() => true), subscribe: vi.fn(), sendRead: vi.fn() };
    useChatsStore().applyChatUpdated(makeChat({ id: 12, name: 'Budi Santoso', display_name: 'Budi Santoso' }));
  });

  function mountThread() {
    return mount(ThreadView, { props: { contactId: 12 }, global: { plugins: [pinia], provide: { [REALTIME_KEY]: realtime } } });
  }

  it('test_recording_a_voice_note_tells_the_customer_recording_then_paused', async () => {
    const w = mountThread();
    await flushPromises();
    const composer = w.findComponent(Composer);
    composer.vm.$emit('typing', 'recording');
    expect(realtime.sendTyping).toHaveBeenLastCalledWith(12, 'recording');
    composer.vm.$emit('typing', 'paused');
    expect(realtime.sendTyping).toHaveBeenLastCalledWith(12, 'paused');
    composer.vm.$emit('typing');
    expect(realtime.sendTyping).toHaveBeenLastCalledWith(12, 'typing');
    w.unmount();
  });

  it('test_quotes_of_the_contacts_messages_carry_their_name', async () => {
    const question = makeMessage({ id: 1, contact_id: 12, direction: 'in', body: 'where is my parcel?' });
    const answer = makeMessage({ id: 2, contact_id: 12, direction: 'out', body: 'on its way', reply_to: { id: 1, type: 'text', body: 'where is my parcel?', direction: 'in' } });
    api.messages.mockResolvedValueOnce({ next: null, results: [answer, question] });
    const w = mountThread();
    await flushPromises();
    expect(w.find('[data-testid=quote-author]').text()).toBe('Budi Santoso');
    // answering their message: the reply preview names them too
    const bubble = w.findAll('[data-testid=message]').find((b) => b.text().includes('where is my parcel?') && !b.find('[data-testid=quote]').exists());
    await bubble.find('[data-testid=reply]').trigger('click');
    expect(w.find('[data-testid=reply-preview] [data-testid=quote-author]').text()).toBe('Budi Santoso');
    w.unmount();
  });

  it('test_day_separators_of_an_open_thread_regroup_when_the_time_zone_changes', async () => {
    // 16:30 and 18:00 UTC on 2 December: one day in UTC, two in Jakarta (23:30 and 01:00 the next day).
    const late = makeMessage({ id: 1, contact_id: 12, timestamp: '2026-12-02T16:30:00Z', created_at: '2026-12-02T16:30:00Z' });
    const later = makeMessage({ id: 2, contact_id: 12, timestamp: '2026-12-02T18:00:00Z', created_at: '2026-12-02T18:00:00Z' });
    setTimeZone('UTC');
    api.messages.mockResolvedValueOnce({ next: null, results: [later, late] });
    const w = mountThread();
    await flushPromises();
    expect(w.findAll('[data-testid=day-separator]')).toHaveLength(1);

    setTimeZone('Asia/Jakarta');
    await flushPromises();
    const separators = w.findAll('[data-testid=day-separator]');
    expect(separators).toHaveLength(2);
    const rows = w.html();
    expect(rows.indexOf('message 1')).toBeLessThan(rows.lastIndexOf('data-testid="day-separator"'));
    expect(rows.indexOf('message 2')).toBeGreaterThan(rows.lastIndexOf('data-testid="day-separator"'));

    setTimeZone('UTC');
    await flushPromises();
    expect(w.findAll('[data-testid=day-separator]')).toHaveLength(1);
    w.unmount();
  });
});
