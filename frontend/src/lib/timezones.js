// The time zones an agent can pick: Indonesia's three first (WIB, WITA, WIT), then every IANA zone
// the browser knows (Intl.supportedValuesOf), which the server's tz data also knows.
const INDONESIA = [
  { id: 'Asia/Jakarta', label: 'Asia/Jakarta (WIB)' },
  { id: 'Asia/Makassar', label: 'Asia/Makassar (WITA)' },
  { id: 'Asia/Jayapura', label: 'Asia/Jayapura (WIT)' },
];

export function timeZones() {
  const first = new Set(INDONESIA.map((z) => z.id));
  let all = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = ['UTC'];
  }
  return [...INDONESIA, ...all.filter((id) => !first.has(id)).map((id) => ({ id, label: id }))];
}
