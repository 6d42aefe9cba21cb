// Windowing for long lists: only the rows near the viewport are rendered, between two padding
// spacers. Row heights are measured once rendered (estimated before), and with `stickToBottom` the
// list behaves like a chat: it stays at the bottom when it was there, and otherwise keeps the row
// at the top of the viewport where it was when rows are added above (older pages) or re-measured.
// The browser's own scroll anchoring is off (`overflow-anchor: none` in CSS): this does it.
// "At the bottom" is the reader's choice: only a scroll of theirs leaves it. The scroll events of
// our own scrolls arrive later, and content (an image decoding, a video's metadata) may have grown
// meanwhile: read from the geometry then, they would unstick a reader who never moved.
import { ref, shallowRef, watch, nextTick, onMounted, onBeforeUnmount, getCurrentScope, onScopeDispose } from 'vue';

/**
 * @param {object} opts
 * @param {import('vue').Ref<HTMLElement|null>} opts.container the scrolling element
 * @param {import('vue').Ref<HTMLElement|null>} [opts.wrapper] the element whose children are the rows (each with data-vkey)
 * @param {import('vue').Ref<Array<{key: string}>>} opts.items
 * @param {number|((item: any) => number)} [opts.estimate] px before a row is measured
 * @param {number} [opts.overscan] px rendered above and below the viewport
 * @param {boolean} [opts.stickToBottom] chat mode (see above)
 * @param {number} [opts.bottomThreshold] px from the bottom that still counts as "at the bottom"
 * @param {(item: any) => boolean} [opts.anchorable] rows whose key is a stable identity (kept in place)
 */
export function useVirtualList({ container, wrapper = null, items, estimate = 64, overscan = 800, stickToBottom = false, bottomThreshold = 48, anchorable = () => true }) {
  const heights = new Map();
  let offsets = [0];
  let indexByKey = new Map();
  let viewTop = 0;
  let anchor = null;
  let pendingScroll = null;
  // Where our last scroll put the view: the scroll event that reports it is ours, not the reader's.
  let ownScrollTop = null;
  const estimateOf = typeof estimate === 'function' ? estimate : () => estimate;

  const start = ref(0);
  const end = ref(0);
  const padTop = ref(0);
  const padBottom = ref(0);
  const total = ref(0);
  const atBottom = ref(true);
  const visible = shallowRef([]);

  function rebuild() {
    const list = items.value || [];
    const n = list.length;
    const next = new Array(n + 1);
    const index = new Map();
    next[0] = 0;
    for (let i = 0; i < n; i += 1) {
      const item = list[i];
      index.set(item.key, i);
      const h = heights.get(item.key);
      next[i + 1] = next[i] + (h === undefined ? estimateOf(item) : h);
    }
    offsets = next;
    indexByKey = index;
    total.value = next[n];
  }

  /** The index of the row at y (the last one whose top is <= y). */
  function indexAt(y) {
    const n = offsets.length - 1;
    if (n <= 0) return 0;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  function viewHeight() {
    return container.value ? container.value.clientHeight || 0 : 0;
  }

  function updateRange() {
    const list = items.value || [];
    const n = list.length;
    const h = viewHeight() || 800;
    const s = n ? indexAt(Math.max(0, viewTop - overscan)) : 0;
    const e = n ? Math.min(n, indexAt(viewTop + h + overscan) + 1) : 0;
    start.value = s;
    end.value = e;
    padTop.value = offsets[s] || 0;
    padBottom.value = Math.max(0, total.value - (offsets[e] || 0));
    visible.value = list.slice(s, e);
  }

  /** From the real geometry: estimated heights make the model's total approximate. */
  function computeAtBottom() {
    const el = container.value;
    if (!el) return;
    atBottom.value = el.scrollHeight - el.scrollTop - el.clientHeight <= bottomThreshold;
  }

  function captureAnchor() {
    const list = items.value || [];
    if (!list.length) {
      anchor = null;
      return;
    }
    // The first row with a stable identity at the top of the viewport (a day separator's key
    // moves to the top of the older page that contains that day's earlier messages).
    let i = indexAt(viewTop);
    const last = Math.min(list.length - 1, i + 50);
    while (i < last && !anchorable(list[i])) i += 1;
    anchor = { key: list[i].key, delta: offsets[i] - viewTop };
  }

  /** The anchor is where it is with the view at `top`. */
  function pinAnchor(top) {
    if (anchor && indexByKey.has(anchor.key)) anchor = { key: anchor.key, delta: offsets[indexByKey.get(anchor.key)] - top };
  }

  /**
   * After the DOM has the new spacers: go to the bottom, or to `target`. `keepAnchor`: the scroll
   * only keeps the current anchor in place, which stays the anchor: capturing a new one here would
   * pick the row now at the top, which may not be measured yet (an older page just prepended), and
   * pin its *estimated* position, so the view would jump by the estimate's error once measured.
   */
  function applyScroll(target, { bottom = false, keepAnchor = false } = {}) {
    pendingScroll = { target, bottom, keepAnchor };
    nextTick(() => {
      const el = container.value;
      if (!el || !pendingScroll) return;
      const { target: t, bottom: toBottom, keepAnchor: keep } = pendingScroll;
      pendingScroll = null;
      const want = toBottom ? el.scrollHeight - el.clientHeight : t;
      if (Math.abs(el.scrollTop - want) > 0.5) {
        el.scrollTop = want;
        ownScrollTop = el.scrollTop; // as the browser clamped or rounded it
      }
      viewTop = el.scrollTop;
      if (toBottom) atBottom.value = true;
      else computeAtBottom();
      if (keep) pinAnchor(viewTop); // the browser may have clamped the scroll
      else captureAnchor();
      updateRange();
    });
  }

  /** Recompute after rows or heights changed, keeping the view where the reader expects it. */
  function relayout({ toBottom = false } = {}) {
    const stick = stickToBottom && (toBottom || atBottom.value);
    rebuild();
    let target = viewTop;
    let anchored = false;
    if (stick) {
      target = Math.max(0, total.value - viewHeight());
    } else if (stickToBottom && anchor && indexByKey.has(anchor.key)) {
      target = Math.max(0, offsets[indexByKey.get(anchor.key)] - anchor.delta);
      anchored = true;
      // Not enough above it to keep its place (the rows above turned out shorter than estimated):
      // it sits at the top of the list now, and that is where it stays.
      pinAnchor(target);
    }
    viewTop = target;
    if (stick) atBottom.value = true;
    updateRange();
    if (container.value && (stick || Math.abs((container.value.scrollTop || 0) - target) > 0.5)) applyScroll(target, { bottom: stick, keepAnchor: anchored });
  }

  function onScroll() {
    const el = container.value;
    if (!el) return;
    const ours = ownScrollTop !== null && Math.abs(el.scrollTop - ownScrollTop) <= 1;
    ownScrollTop = null;
    pendingScroll = null; // the reader moved: their position wins over a queued adjustment
    viewTop = el.scrollTop;
    // Our own scroll's event cannot unstick the bottom (see the top of this file).
    if (!(ours && atBottom.value)) computeAtBottom();
    captureAnchor();
    updateRange();
  }

  /** Measure the rendered rows; a changed height re-lays out (keeping the anchor). */
  function measure() {
    const root = wrapper && wrapper.value;
    if (!root) return;
    let changed = false;
    for (const el of root.children) {
      const key = el.dataset ? el.dataset.vkey : undefined;
      if (!key) continue;
      const h = el.getBoundingClientRect().height;
      if (h > 0 && Math.abs((heights.get(key) ?? -1) - h) > 0.5) {
        heights.set(key, h);
        changed = true;
      }
    }
    if (changed) relayout();
  }

  function scrollToBottom() {
    atBottom.value = true;
    relayout({ toBottom: true });
  }

  function scrollToKey(key, { align = 'center' } = {}) {
    rebuild();
    const i = indexByKey.get(key);
    if (i === undefined) return false;
    const h = viewHeight();
    const rowH = offsets[i + 1] - offsets[i];
    let target = offsets[i];
    if (align === 'center') target = offsets[i] - (h - rowH) / 2;
    target = Math.max(0, Math.min(target, total.value - h));
    viewTop = target;
    computeAtBottom();
    updateRange();
    applyScroll(target);
    captureAnchor();
    return true;
  }

  watch(items, () => relayout(), { flush: 'pre' });
  watch([start, end], () => nextTick(measure), { flush: 'post' });

  let rowObserver = null;
  let boxObserver = null;
  function observe() {
    if (typeof ResizeObserver === 'undefined') return;
    if (wrapper && wrapper.value && !rowObserver) {
      rowObserver = new ResizeObserver(() => measure());
      rowObserver.observe(wrapper.value);
    }
    if (container.value && !boxObserver) {
      boxObserver = new ResizeObserver(() => relayout());
      boxObserver.observe(container.value);
    }
  }
  function disconnect() {
    rowObserver?.disconnect();
    boxObserver?.disconnect();
    rowObserver = null;
    boxObserver = null;
  }
  if (getCurrentScope()) {
    onMounted(() => {
      observe();
      relayout({ toBottom: stickToBottom });
      nextTick(measure);
    });
    onBeforeUnmount(disconnect);
    onScopeDispose(disconnect);
  }

  relayout();

  return { start, end, padTop, padBottom, total, atBottom, visible, onScroll, measure, relayout, scrollToBottom, scrollToKey, heights };
}
