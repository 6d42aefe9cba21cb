// The message's actions menu: by mouse (the "more" button, a right click), touch (a long press)
// and keyboard (Enter on the focused bubble, arrows, Escape back to the bubble).
import { it, expect, vi, afterEach } from 'vitest';
import { mount } from '@vue/test-utils';
import { i18n } from '../../../src/i18n/index.js';

const MessageBubble = (await import('../../../src/components/MessageBubble.vue')).default;
const now = new Date().toISOString();
const ours = { id: 5, direction: 'out', type: 'text', body: 'the price is 100', status: 'sent', wa_message_id: 'w1', timestamp: now, sent_at: now, reactions: [] };
const mountBubble = (message = ours) => mount(MessageBubble, { props: { message }, global: { plugins: [i18n] }, attachTo: document.body });
const items = (w) => w.findAll('[role=menuitem]').map((b) => b.attributes('data-testid'));

afterEach(() => {
  document.body.innerHTML = '';
  vi.useRealTimers();
});

it('test_enter_on_the_focused_bubble_opens_the_menu_with_every_action_and_focuses_the_first', async () => {
  const w = mountBubble();
  const row = w.get('[data-testid=message]');
  row.element.focus();
  await row.trigger('keydown', { key: 'Enter' });
  expect(items(w)).toEqual(['menu-reply', 'menu-react', 'copy-message', 'edit-message', 'delete-message', 'forward-message']);
  await new Promise((r) => setTimeout(r, 0));
  expect(document.activeElement.dataset.testid).toBe('menu-reply');
});

it('test_arrows_move_the_focus_and_escape_closes_back_to_the_bubble', async () => {
  const w = mountBubble();
  const row = w.get('[data-testid=message]');
  await row.trigger('keydown', { key: 'ContextMenu' });
  await new Promise((r) => setTimeout(r, 0));
  const menu = w.get('[data-testid=message-menu]');
  await menu.trigger('keydown', { key: 'ArrowDown' });
  expect(document.activeElement.dataset.testid).toBe('menu-react');
  await menu.trigger('keydown', { key: 'ArrowUp' });
  await menu.trigger('keydown', { key: 'ArrowUp' });
  expect(document.activeElement.dataset.testid).toBe('forward-message'); // wraps around
  await menu.trigger('keydown', { key: 'Escape' });
  expect(w.find('[data-testid=message-menu]').exists()).toBe(false);
  expect(document.activeElement).toBe(row.element);
});

it('test_forward_from_the_menu_asks_the_thread_to_forward', async () => {
  const w = mountBubble();
  await w.get('[data-testid=message]').trigger('contextmenu');
  await w.get('[data-testid=forward-message]').trigger('click');
  expect(w.emitted('forward')).toHaveLength(1);
  expect(w.find('[data-testid=message-menu]').exists()).toBe(false);
});

it('test_a_long_press_opens_the_menu_a_short_tap_does_not', async () => {
  vi.useFakeTimers();
  const w = mountBubble();
  const row = w.get('[data-testid=message]');
  await row.trigger('pointerdown', { pointerType: 'touch' });
  vi.advanceTimersByTime(200);
  await row.trigger('pointerup', { pointerType: 'touch' });
  vi.advanceTimersByTime(600);
  await w.vm.$nextTick();
  expect(w.find('[data-testid=message-menu]').exists()).toBe(false);
  await row.trigger('pointerdown', { pointerType: 'touch' });
  vi.advanceTimersByTime(550);
  await w.vm.$nextTick();
  expect(w.find('[data-testid=message-menu]').exists()).toBe(true);
});

it('test_a_note_or_an_unsent_message_cannot_be_forwarded_and_edits_stay_readable', async () => {
  const note = mountBubble({ ...ours, type: 'note', wa_message_id: null });
  await note.get('[data-testid=message-menu-button]').trigger('click');
  expect(items(note)).not.toContain('forward-message');
  const edited = mountBubble({ ...ours, edited: true, edits: [{ body: 'the price is 120', edited_at: now }], forwarded: true });
  expect(edited.get('[data-testid=forwarded-mark]').text()).toContain('Forwarded');
  await edited.get('[data-testid=edited-mark]').trigger('click');
  expect(edited.get('[data-testid=edit-history]').text()).toContain('the price is 120');
});
