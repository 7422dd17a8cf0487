// JSON kept in the browser's storage. A full, disabled or tampered storage is not an error here:
// what cannot be read is absent, and a write says whether it was kept.

/** The value kept under `key`, or null when there is none or it cannot be read. */
export function readKept(storage, key) {
  try {
    const text = storage?.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** Keeps `value` under `key`; false when the browser refused it. */
export function keep(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

/** Forgets what is kept under `key`, if the browser lets it. */
export function forget(storage, key) {
  try {
    storage?.removeItem(key);
  } catch {
    // A refused storage keeps it; it is read back as before.
  }
}
