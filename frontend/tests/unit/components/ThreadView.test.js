import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { makeChat } from '../helpers.js';

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

describe('ThreadView', () => {
  let pinia;
  let realtime;
  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    realtime = { sendTyping: vi.fn(() => true), subscribe: vi.fn(), sendRead: vi.fn() };
    useChatsStore().applyChatUpdated(makeChat({ id: 12 }));
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
});
