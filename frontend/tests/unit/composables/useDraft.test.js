import { describe, it, expect, beforeEach } from 'vitest';
import { ref, nextTick, effectScope } from 'vue';
import { useDraft, draftKey, readDraft } from '../../../src/composables/useDraft.js';

describe('useDraft', () => {
  beforeEach(() => localStorage.clear());

  it('test_draft_is_saved_per_chat_and_restored', async () => {
    const contactId = ref(1);
    const scope = effectScope();
    const { text } = scope.run(() => useDraft(contactId, { scope: 'demo' }));
    text.value = 'half a sentence';
    expect(localStorage.getItem(draftKey('demo', 1))).toBe('half a sentence');
    contactId.value = 2;
    await nextTick();
    expect(text.value).toBe('');
    text.value = 'other chat';
    contactId.value = 1;
    await nextTick();
    expect(text.value).toBe('half a sentence');
    scope.stop();
  });

  it('test_draft_survives_a_reload', () => {
    const scope = effectScope();
    const first = scope.run(() => useDraft(ref(5), { scope: 'demo' }));
    first.text.value = 'keep me';
    scope.stop();
    // "reload": a fresh composable reads it back
    const again = effectScope().run(() => useDraft(ref(5), { scope: 'demo' }));
    expect(again.text.value).toBe('keep me');
  });

  it('test_clear_removes_the_draft', () => {
    const { text, clear } = effectScope().run(() => useDraft(ref(3), { scope: 'demo' }));
    text.value = 'sent soon';
    clear();
    expect(readDraft('demo', 3)).toBe('');
    expect(localStorage.getItem(draftKey('demo', 3))).toBe(null);
  });

  it('test_the_draft_shows_once_the_workspace_is_known', async () => {
    effectScope().run(() => useDraft(ref(9), { scope: 'demo' })).text.value = 'saved earlier';
    const scope = ref('default'); // GET /me/ not answered yet
    const { text } = effectScope().run(() => useDraft(ref(9), { scope }));
    expect(text.value).toBe('');
    scope.value = 'demo';
    await nextTick();
    expect(text.value).toBe('saved earlier');
  });

  it('test_drafts_are_per_workspace', () => {
    effectScope().run(() => useDraft(ref(1), { scope: 'a' })).text.value = 'for a';
    expect(effectScope().run(() => useDraft(ref(1), { scope: 'b' })).text.value).toBe('');
  });
});

describe('useDraft before GET /me/ answers', () => {
  beforeEach(() => localStorage.clear());

  it('test_text_typed_before_the_workspace_is_known_is_kept', async () => {
    const scope = ref('default');
    const { text } = effectScope().run(() => useDraft(ref(4), { scope }));
    text.value = 'typed while /me/ was in flight';
    scope.value = 'demo';
    await nextTick();
    expect(text.value).toBe('typed while /me/ was in flight');
    // saved under the workspace now, and no longer under "default"
    expect(readDraft('demo', 4)).toBe('typed while /me/ was in flight');
    expect(localStorage.getItem(draftKey('default', 4))).toBe(null);
    text.value = 'typed while /me/ was in flight, and more';
    expect(readDraft('demo', 4)).toBe('typed while /me/ was in flight, and more');
  });
});
