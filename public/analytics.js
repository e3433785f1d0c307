// Ward's first-party analytics: counts page views (path only; no cookie, no identifier).
// Loaded by consent.js only after analytics consent: it is not even requested before.
(function () {
  var last = null;
  function count() {
    if (location.pathname === last) return;
    last = location.pathname;
    fetch("/api/analytics/pageview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: location.pathname }),
      keepalive: true,
    }).catch(function () {});
  }
  count();
  // The app changes pages without reloading: check after each navigation.
  window.addEventListener("popstate", count);
  document.addEventListener("click", function () { setTimeout(count, 0); });
})();
