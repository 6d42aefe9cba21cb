import { describe, it, expect, vi, afterEach } from 'vitest';
import { ref, nextTick, effectScope } from 'vue';
import { useNotifications } from '../../../src/composables/useNotifications.js';
import { takeLocalMutes } from '../../../src/lib/mute.js';

describe('useNotifications', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
  });

  function setup(permission, visibility, muted = () => false) {
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
    effectScope().run(() => useNotifications({ lastInbound, titleFor: () => 'Budi', muted }));
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

  it('test_a_muted_chat_stays_silent_and_others_still_notify', async () => {
    const { shown, lastInbound } = setup('granted', 'hidden', (id) => id === 7);
    lastInbound.value = { contact_id: 7, body: 'muted one' };
    await nextTick();
    lastInbound.value = { contact_id: 8, body: 'loud one' };
    await nextTick();
    expect(shown.map((n) => n.body)).toEqual(['loud one']);
  });

  it('test_mutes_this_browser_kept_are_handed_over_once', () => {
    localStorage.setItem('blazz.muted.acme', JSON.stringify([7, '9', 'x']));
    expect(takeLocalMutes('acme')).toEqual([7, 9]);
    expect(localStorage.getItem('blazz.muted.acme')).toBe(null);
    expect(takeLocalMutes('acme')).toEqual([]);
  });
});
