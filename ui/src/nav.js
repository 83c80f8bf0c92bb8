// Navigation and announcements, shared by the pages. navigate changes the
// URL and asks main.js (listening for "blog:navigate") to render, unless
// the page being left keeps the reader (mayLeave).
export function navigate(path, { replace = false } = {}) {
  if (!mayLeave()) return;
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  window.dispatchEvent(new Event('blog:navigate'));
}

// A page with work that would be lost (the editor) guards leaving it:
// check answers whether the reader may go, asking them if need be.
// guardLeaving returns the function that lifts the guard, for the page's
// cleanup.
let guard = null;

export function guardLeaving(check) {
  guard = check;
  return () => {
    if (guard === check) guard = null;
  };
}

export function mayLeave() {
  return !guard || guard();
}

// say puts a short message in the live status region, which screen
// readers announce.
let clearing = null;

export function say(text) {
  const status = document.getElementById('status');
  status.textContent = '';
  clearTimeout(clearing);
  setTimeout(() => { status.textContent = text; }, 50);
  clearing = setTimeout(() => { status.textContent = ''; }, 5000);
}
