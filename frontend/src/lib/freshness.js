// Freshness stamps for a store whose objects get both live frames and REST copies (see the top of
// stores/messages/merge.js). Every frame applied to an object, and every change this tab makes to it,
// stamps the field groups it changed with the next value of a counter that only goes up; a REST
// copy asked for at `now()` keeps ours for each group stamped after that (changedSince).
export function createFreshness(allGroups) {
  let stamp = 0;
  const stampOf = new Map(); // object id -> {group: stamp}

  return {
    /** The counter's value now: what a REST request remembers as its `askedAt`. */
    now: () => stamp,
    /** A new stamp that belongs to no object yet (see raise()). */
    next: () => ++stamp,
    /** Stamp `groups` of `id` with a new value. */
    touch(id, groups = allGroups) {
      stamp += 1;
      const stamps = stampOf.get(id) || {};
      for (const group of groups) stamps[group] = stamp;
      stampOf.set(id, stamps);
    },
    /** Give `group` of `id` an earlier-taken stamp, unless it already has a later one. */
    raise(id, group, at) {
      const stamps = stampOf.get(id) || {};
      if ((stamps[group] ?? -1) < at) stampOf.set(id, { ...stamps, [group]: at });
    },
    /** The field groups of `id` that a frame (or a change of ours) changed after `askedAt`. */
    changedSince(id, askedAt) {
      const stamps = stampOf.get(id);
      const out = new Set();
      if (stamps) for (const group of allGroups) if ((stamps[group] ?? -1) > askedAt) out.add(group);
      return out;
    },
    clear: () => stampOf.clear(),
  };
}
