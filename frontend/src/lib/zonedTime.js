// Wall-clock times in a named time zone (the agent's or the workspace's, i18n timeZone()) and the
// instants they mean: what a <input type="datetime-local"> shows and what the API takes (UTC).

const parts = new Map();

function formatter(zone) {
  const key = zone || '';
  if (!parts.has(key)) {
    parts.set(key, new Intl.DateTimeFormat('en-CA', {
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      hourCycle: 'h23', ...(zone ? { timeZone: zone } : {}),
    }));
  }
  return parts.get(key);
}

/** "2026-12-03T14:00": the wall-clock time of `date` in `zone` (null: the browser's). */
export function toZonedInput(date, zone) {
  const p = Object.fromEntries(formatter(zone).formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

function offsetMs(date, zone) {
  const p = Object.fromEntries(formatter(zone).formatToParts(date).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/** The instant "2026-12-03T14:00" means in `zone`; null for an empty or malformed value. */
export function fromZonedInput(value, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = wall - offsetMs(new Date(wall), zone);
  guess = wall - offsetMs(new Date(guess), zone); // across a DST change the offset at the guess counts
  return new Date(guess);
}
