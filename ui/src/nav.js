// Navigation and announcements, shared by the pages. navigate changes the
// URL and asks main.js (listening for "blog:navigate") to render.
export function navigate(path, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  window.dispatchEvent(new Event('blog:navigate'));
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
