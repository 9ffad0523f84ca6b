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
  function apply() { mine.classList.toggle("dark", Boolean(airflowIsDark())); }
  apply();
  try {
    if (window.top !== window) {
      new MutationObserver(apply).observe(window.top.document.documentElement, { attributes: true, attributeFilter: ["class"] });
    }
  } catch (e) { /* another origin */ }
  if (window.matchMedia) window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", apply);
})();
