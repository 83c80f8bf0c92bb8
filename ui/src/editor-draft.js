// The editor's copy of work not yet saved, kept in this browser's
// localStorage, one per writer and post ("new" for a post not created
// yet): a closed tab, a reload or a crash loses nothing typed. Saving the
// post clears it.
const prefix = 'blogbase:unsaved:';

export function unsavedWork(userId, postId) {
  const key = `${prefix}${userId}:${postId || 'new'}`;
  return {
    // read is the kept copy, {values, savedAt}, or null
    read() {
      try {
        const kept = JSON.parse(localStorage.getItem(key));
        return kept && typeof kept.values === 'object' ? kept : null;
      } catch {
        return null;
      }
    },
    write(values) {
      try {
        localStorage.setItem(key, JSON.stringify({ values, savedAt: new Date().toISOString() }));
      } catch {
        // storage full or disabled: the warning before leaving remains
      }
    },
    clear() {
      try {
        localStorage.removeItem(key);
      } catch {
        // disabled storage holds nothing to clear
      }
    },
  };
}
