// Links marked target=_top open in Airflow's own window, so that its address bar and navigation follow.
// Airflow 3.3 embeds plugin pages in an iframe sandboxed without allow-top-navigation, which blocks
// target=_top and any top.location change; the frame is same-origin, though, so the link is handed to
// Airflow's router instead: pushState on the top window, then the popstate its router listens to.
(function () {
  if (window.top === window) return; // opened alone: target=_top is this window, nothing to do
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[target="_top"]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    try {
      var top = window.top;
      var url = new URL(link.href);
      if (url.origin !== top.location.origin) return;
      event.preventDefault();
      var state = top.history.state || {};
      var idx = typeof state.idx === "number" ? state.idx + 1 : 0;
      top.history.pushState({ usr: null, key: Math.random().toString(36).slice(2, 10), idx: idx }, "", url.pathname + url.search + url.hash);
      top.dispatchEvent(new PopStateEvent("popstate", { state: top.history.state }));
    } catch (error) {
      window.location.href = link.href; // another origin after all: at least open it here
    }
  });
})();

// Airflow 3.3 mirrors the page's path and query into its address (/plugin/monitoring/servicetitan/dashboard?…),
// and a reload opens the page from that address, query included. An address with a query but no page path
// (/plugin/monitoring?credential=…, as a person would write it) opens the entry page without its query: the
// page then reloads itself once with the top window's query, so that the filters it names apply.
(function () {
  if (window.top === window || window.location.search) return;
  var search, path;
  try {
    search = window.top.location.search;
    path = window.top.location.pathname;
  } catch (error) {
    return; // another origin: its address is not ours to read
  }
  if (search && /\/plugin\/[^/]+\/?$/.test(path)) window.location.replace(window.location.pathname + search);
})();
