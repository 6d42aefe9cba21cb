// The smart auto-scroll and the "N new messages" pill, with a scroll container whose geometry we
// control (jsdom has no layout).
import { describe, it, expect } from 'vitest';
import { ref, nextTick, effectScope } from 'vue';
import { useChatScroll } from '../../../src/composables/useChatScroll.js';

const ROW = 50;

function fakeContainer(height = 500) {
  const el = { clientHeight: height, scrollTop: 0, content: () => 0 };
  Object.defineProperty(el, 'scrollHeight', { get: () => Math.max(el.content(), height) });
  return el;
}

function setup(count = 40) {
  const rows = ref(Array.from({ length: count }, (_, i) => ({ key: `m${i}`, kind: 'msg' })));
  const el = fakeContainer();
  const container = ref(el);
  const own = new Set();
  const scope = effectScope();
  const scroll = scope.run(() => useChatScroll({ container, rows, estimate: ROW, isOwn: (r) => own.has(r.key) }));
  // The DOM's height is the list's total (spacers + rows at their estimated height).
  el.content = () => scroll.total.value;
  const sync = () => {};
  return { rows, el, scroll, own, sync, scope };
}

async function settle(sync) {
  sync();
  await nextTick();
  await nextTick();
}

describe('useChatScroll', () => {
  it('test_at_the_bottom_new_messages_scroll_into_view', async () => {
    const { rows, el, scroll, sync } = setup();
    scroll.scrollToBottom();
    await settle(sync);
    expect(el.scrollTop).toBe(40 * ROW - 500);
    rows.value = [...rows.value, { key: 'new1', kind: 'msg' }];
    await settle(sync);
    expect(el.scrollTop).toBe(41 * ROW - 500);
    expect(scroll.newCount.value).toBe(0);
  });

  it('test_scrolled_up_new_messages_show_the_pill_and_do_not_move_the_view', async () => {
    const { rows, el, scroll, sync } = setup();
    scroll.scrollToBottom();
    await settle(sync);
    el.scrollTop = 300; // the reader scrolls up
    scroll.onScroll();
    expect(scroll.atBottom.value).toBe(false);
    rows.value = [...rows.value, { key: 'n1', kind: 'msg' }];
    await settle(sync);
    rows.value = [...rows.value, { key: 'n2', kind: 'msg' }, { key: 'n3', kind: 'msg' }];
    await settle(sync);
    expect(el.scrollTop).toBe(300);
    expect(scroll.newCount.value).toBe(3);
    scroll.jumpToBottom();
    await settle(sync);
    expect(scroll.newCount.value).toBe(0);
    expect(el.scrollTop).toBe(43 * ROW - 500);
  });

  it('test_my_own_message_scrolls_down_even_when_scrolled_up', async () => {
    const { rows, el, scroll, sync, own } = setup();
    el.scrollTop = 100;
    scroll.onScroll();
    own.add('mine');
    rows.value = [...rows.value, { key: 'mine', kind: 'msg' }];
    await settle(sync);
    expect(scroll.newCount.value).toBe(0);
    expect(el.scrollTop).toBe(41 * ROW - 500);
  });

  it('test_older_messages_prepended_keep_the_reader_in_place', async () => {
    const { rows, el, scroll, sync } = setup();
    el.scrollTop = 120; // row m2 is at the top, 20 px into it
    scroll.onScroll();
    const older = Array.from({ length: 30 }, (_, i) => ({ key: `o${i}`, kind: 'msg' }));
    rows.value = [...older, ...rows.value];
    await settle(sync);
    expect(el.scrollTop).toBe(30 * ROW + 120);
    expect(scroll.newCount.value).toBe(0);
  });

  it('test_at_the_very_top_a_prepended_page_keeps_the_reader_in_place_despite_the_day_separator', async () => {
    // the thread starts with the day separator of the oldest loaded day...
    const { rows, el, scroll, sync } = setup();
    rows.value = [{ key: 'd:day1', kind: 'day' }, ...rows.value];
    await settle(sync);
    el.scrollTop = 0;
    scroll.onScroll();
    // ...and the older page has earlier messages of that same day: the separator moves above them
    const older = Array.from({ length: 20 }, (_, i) => ({ key: `o${i}`, kind: 'msg' }));
    rows.value = [{ key: 'd:day1', kind: 'day' }, ...older, ...rows.value.slice(1)];
    await settle(sync);
    expect(el.scrollTop).toBe(20 * ROW);
  });

  it('test_only_rows_near_the_viewport_are_rendered', async () => {
    const { el, scroll, sync } = setup(10000);
    scroll.scrollToBottom();
    await settle(sync);
    expect(scroll.visible.value.length).toBeLessThan(60);
    expect(scroll.visible.value.at(-1).key).toBe('m9999');
    expect(scroll.padTop.value + scroll.padBottom.value + scroll.visible.value.length * ROW).toBe(10000 * ROW);
    el.scrollTop = 5000 * ROW;
    scroll.onScroll();
    expect(scroll.visible.value.some((r) => r.key === 'm5000')).toBe(true);
  });

  it('test_day_separators_and_typing_rows_are_not_counted', async () => {
    const { rows, el, scroll, sync } = setup();
    el.scrollTop = 0;
    scroll.onScroll();
    rows.value = [...rows.value, { key: 'd:tomorrow', kind: 'day' }, { key: 'x', kind: 'msg' }, { key: 'typing', kind: 'typing' }];
    await settle(sync);
    expect(scroll.newCount.value).toBe(1);
  });
});

describe('useChatScroll with measured rows', () => {
  // Rows really are 40 px (day separator) and 56 px (messages); the list estimates 72 until it has
  // measured a row. The wrapper's children are the rendered rows, as the DOM would have them.
  // A media row's real height once its file has loaded (set by a test: an image decoding).
  const grown = new Map();
  const REAL = (key) => grown.get(key) ?? (key.startsWith('d:') ? 40 : 56);

  function setupMeasured(count = 40) {
    grown.clear();
    const rows = ref([{ key: 'd:day', kind: 'day' }, ...Array.from({ length: count }, (_, i) => ({ key: `m${i}`, kind: 'msg' }))]);
    const el = fakeContainer();
    // The DOM: the rendered rows at their real heights (rendered as soon as the list says so).
    let scroll;
    const wrapperEl = {
      get children() {
        return scroll.visible.value.map((r) => ({ dataset: { vkey: r.key }, getBoundingClientRect: () => ({ height: REAL(r.key) }) }));
      },
    };
    const scope = effectScope();
    scroll = scope.run(() => useChatScroll({ container: ref(el), wrapper: ref(wrapperEl), rows, estimate: 72 }));
    // The DOM's height: the spacers and the rendered rows at their real heights (ahead of the
    // list's model until it has measured them).
    el.content = () => scroll.padTop.value + scroll.visible.value.reduce((h, r) => h + REAL(r.key), 0) + scroll.padBottom.value;
    /** Where a row is on screen: the top spacer plus the rendered rows above it, minus the scroll. */
    const screenTop = (key) => {
      let y = scroll.padTop.value;
      for (const r of scroll.visible.value) {
        if (r.key === key) return y - el.scrollTop;
        y += REAL(r.key);
      }
      return null;
    };
    // Vue's ticks first (the list measures what it rendered by itself), then what the
    // ResizeObserver would add, in the browser's order.
    const settleAndMeasure = async () => {
      for (let i = 0; i < 6; i += 1) await nextTick();
      scroll.measure();
      for (let i = 0; i < 6; i += 1) await nextTick();
    };
    return { rows, el, scroll, screenTop, settleAndMeasure };
  }

  it('test_a_prepended_page_of_unmeasured_rows_leaves_the_first_message_exactly_in_place', async () => {
    const { rows, el, scroll, screenTop, settleAndMeasure } = setupMeasured();
    await settleAndMeasure();
    el.scrollTop = 0; // the reader reached the top: m0 is under the day separator
    scroll.onScroll();
    await settleAndMeasure();
    expect(screenTop('m0')).toBe(40);
    // the older page lands: 50 rows the list has never measured (estimated 72 px, really 56)
    const older = Array.from({ length: 50 }, (_, i) => ({ key: `o${i}`, kind: 'msg' }));
    rows.value = [rows.value[0], ...older, ...rows.value.slice(1)];
    await settleAndMeasure();
    expect(screenTop('m0')).toBe(40);
  });

  it('test_media_that_grows_before_our_scroll_event_keeps_the_view_at_the_bottom', async () => {
    const { rows, el, scroll, settleAndMeasure } = setupMeasured();
    await settleAndMeasure();
    scroll.scrollToBottom();
    await settleAndMeasure();
    const bottom = () => el.scrollHeight - el.scrollTop - el.clientHeight;
    expect(bottom()).toBe(0);
    // An image decodes (its row grows by 244 px) before the scroll event of our own scroll to the
    // bottom is dispatched: the event reports the position we set, the reader never moved.
    grown.set('m38', 300);
    scroll.onScroll();
    scroll.measure(); // the ResizeObserver
    await settleAndMeasure();
    expect(bottom()).toBe(0);
    expect(scroll.atBottom.value).toBe(true);
    // and a message arriving now is no "new message" for a pill: the view follows it
    rows.value = [...rows.value, { key: 'm40', kind: 'msg' }];
    await settleAndMeasure();
    expect(scroll.newCount.value).toBe(0);
    expect(bottom()).toBe(0);
  });

  it('test_the_readers_own_scroll_up_still_leaves_the_bottom', async () => {
    const { el, scroll, settleAndMeasure } = setupMeasured();
    await settleAndMeasure();
    scroll.scrollToBottom();
    await settleAndMeasure();
    el.scrollTop -= 300;
    scroll.onScroll();
    expect(scroll.atBottom.value).toBe(false);
    grown.set('m39', 300);
    scroll.measure();
    await settleAndMeasure();
    expect(el.scrollHeight - el.scrollTop - el.clientHeight).toBeGreaterThan(300);
  });
});
