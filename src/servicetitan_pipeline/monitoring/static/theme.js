// Follows Airflow's theme: its UI (next-themes) puts "dark" on its <html> and keeps the choice in
// localStorage "theme" (light, dark or system). Read from the top window when embedded (same origin),
// watched so that switching Airflow's theme repaints this page; a page opened alone follows the system.
(function () {
  var mine = document.documentElement;
  function airflowIsDark() {
    try {
      if (window.top !== window) return window.top.document.documentElement.classList.contains("dark");
    } catch (e) { /* another origin: fall through */ }
    var chosen = null;
    try { chosen = window.localStorage.getItem("theme"); } catch (e) { /* storage blocked */ }
    if (chosen === "dark" || chosen === "light") return chosen === "dark";
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  // Every mark: the "dark" class (pages.css), data-theme (dashboard.css) and "bootstrap-dark" (the data docs'
  // class-based Bootstrap dark stylesheet; offline_docs copies this script into the docs site).
  function apply() {
    var dark = Boolean(airflowIsDark());
    mine.classList.toggle("dark", dark);
    mine.classList.toggle("bootstrap-dark", dark);
    mine.dataset.theme = dark ? "dark" : "light";
  }
  apply();
  try {
    if (window.top !== window) {
      new MutationObserver(apply).observe(window.top.document.documentElement, { attributes: true, attributeFilter: ["class"] });
    }
  } catch (e) { /* another origin */ }
  window.addEventListener("storage", apply);
  if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", apply);
})();
