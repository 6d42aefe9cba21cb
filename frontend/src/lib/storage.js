// localStorage, best effort: disabled storage (privacy modes) or a full quota never breaks the app;
// what would have been kept lives in memory only.

/** The storage to use: the one given (tests), else the page's localStorage, else null. */
export function localStore(storage) {
  try {
    return storage ?? globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled: reading the property throws
  }
}

export function readItem(key, storage) {
  const s = localStore(storage);
  try {
    return s ? s.getItem(key) : null;
  } catch {
    return null;
  }
}

/** Write `value`, or remove the key when it is empty / null. */
export function writeItem(key, value, storage) {
  const s = localStore(storage);
  if (!s) return;
  try {
    if (value) s.setItem(key, value);
    else s.removeItem(key);
  } catch {
    /* quota: best effort */
  }
}
