import { describe, it, expect, vi, afterEach } from 'vitest';
import { ref, nextTick, effectScope } from 'vue';
import { useNotifications } from '../../../src/composables/useNotifications.js';

describe('useNotifications', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
  });

  function setup(permission, visibility) {
    const shown = [];
    class FakeNotification {
      static permission = permission;
      constructor(title, opts) {
        shown.push({ title, ...opts });
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    Object.defineProperty(document, 'visibilityState', { value: visibility, configurable: true });
    const lastInbound = ref(null);
    effectScope().run(() => useNotifications({ lastInbound, titleFor: () => 'Budi' }));
    return { shown, lastInbound };
  }

  it('test_notifies_when_hidden_and_permitted', async () => {
    const { shown, lastInbound } = setup('granted', 'hidden');
    lastInbound.value = { contact_id: 1, body: 'hi there', direction: 'in' };
    await nextTick();
    expect(shown).toEqual([expect.objectContaining({ title: 'Budi', body: 'hi there' })]);
  });

  it('test_silent_when_visible_or_not_permitted', async () => {
    const a = setup('granted', 'visible');
    a.lastInbound.value = { contact_id: 1, body: 'x' };
    await nextTick();
    expect(a.shown).toEqual([]);
    const b = setup('default', 'hidden');
    b.lastInbound.value = { contact_id: 1, body: 'x' };
    await nextTick();
    expect(b.shown).toEqual([]);
  });
});
