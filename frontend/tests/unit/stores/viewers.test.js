import { it, expect, beforeEach } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { useViewersStore } from '../../../src/stores/viewers.js';

beforeEach(() => setActivePinia(createPinia()));

it('test_chat_viewers_replace_the_list_and_others_leave_me_out', () => {
  const store = useViewersStore();
  store.applyViewers({ contact_id: 7, viewers: [{ id: 1, name: 'Ana' }, { id: 2, name: 'Budi' }] });
  expect(store.othersViewing(7, 1)).toEqual([{ id: 2, name: 'Budi' }]);
  store.applyViewers({ contact_id: 7, viewers: [{ id: 1, name: 'Ana' }] });
  expect(store.othersViewing(7, 1)).toEqual([]);
  expect(store.othersViewing(8, 1)).toEqual([]);
});
