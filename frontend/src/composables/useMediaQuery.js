import { ref, onScopeDispose, getCurrentScope } from 'vue';

/** A reactive matchMedia (phone layout, reduced motion). */
export function useMediaQuery(query) {
  const mql = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null;
  const matches = ref(mql ? mql.matches : false);
  if (mql) {
    const onChange = (e) => {
      matches.value = e.matches;
    };
    mql.addEventListener('change', onChange);
    if (getCurrentScope()) onScopeDispose(() => mql.removeEventListener('change', onChange));
  }
  return matches;
}
