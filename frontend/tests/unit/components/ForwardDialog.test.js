// The forward dialog offers the loaded chats that match at once, then every chat the server finds
// (any status, not loaded in the list); an answer to an older filter never replaces a newer one.
import { it, expect, vi, beforeEach, afterEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { i18n } from '../../../src/i18n/index.js';

vi.mock('../../../src/api/index.js', async (original) => ({
  ...(await original()),
  api: { chats: vi.fn(), forwardMessage: vi.fn() },
}));
const { api } = await import('../../../src/api/index.js');
const { useChatsStore } = await import('../../../src/stores/chats.js');
const ForwardDialog = (await import('../../../src/components/ForwardDialog.vue')).default;

const chat = (id, name, phone) => ({ id, name, phone });

beforeEach(() => {
  vi.useFakeTimers();
  setActivePinia(createPinia());
  useChatsStore().byId[1] = { ...chat(1, 'Ani Loaded', '+6281100000001'), status: 'open', _t: 1 };
});
afterEach(() => vi.useRealTimers());

const targets = (w) => w.findAll('[data-testid=forward-target]').map((b) => Number(b.attributes('data-contact-id')));

it('test_a_chat_not_loaded_is_found_by_the_servers_search_of_every_status', async () => {
  api.chats.mockResolvedValue({ next: null, results: [chat(1, 'Ani Loaded', '+6281100000001'), chat(9, 'Ani Resolved', '+6281100000009')] });
  const w = mount(ForwardDialog, { props: { messageId: 5 }, global: { plugins: [i18n] } });
  await w.get('[data-testid=forward-filter]').setValue('ani');
  expect(targets(w)).toEqual([1]); // the loaded match at once
  await vi.advanceTimersByTimeAsync(300);
  await flushPromises();
  expect(api.chats).toHaveBeenCalledWith({ q: 'ani', filters: { status: 'all' } });
  expect(targets(w)).toEqual([1, 9]); // each chat once

  api.forwardMessage.mockResolvedValue({ id: 77 });
  await w.findAll('[data-testid=forward-target]')[1].trigger('click');
  await flushPromises();
  expect(api.forwardMessage.mock.calls[0].slice(0, 2)).toEqual([5, 9]);
});

it('test_an_older_answer_never_replaces_the_newer_filters', async () => {
  let answerOld;
  api.chats.mockImplementationOnce(() => new Promise((resolve) => { answerOld = resolve; }))
    .mockResolvedValueOnce({ next: null, results: [chat(3, 'Budi', '+6281100000003')] });
  const w = mount(ForwardDialog, { props: { messageId: 5 }, global: { plugins: [i18n] } });
  await w.get('[data-testid=forward-filter]').setValue('an');
  await vi.advanceTimersByTimeAsync(300);
  await w.get('[data-testid=forward-filter]').setValue('budi');
  await vi.advanceTimersByTimeAsync(300);
  await flushPromises();
  answerOld({ next: null, results: [chat(8, 'Anton', '+6281100000008')] });
  await flushPromises();
  expect(targets(w)).toEqual([3]);
  await w.get('[data-testid=forward-filter]').setValue('');
  expect(targets(w)).toEqual([1]);
});
