// The cookie banner's behaviour. The server renders the banner (#cc) into the first
// response; this script, loaded in <head>, makes it work before the app has loaded, by
// listening on the document (so it also serves the app's "Cookie settings" button).
// The choice lives in the first-party cookie `ward_consent`:
//   1.<cookie policy version>.<preferences><analytics><advertising><gpc>.<unix seconds>
// (read by server/src/privacy/mod.rs). Optional scripts load only after their consent.
// The app records the choice in the consent ledger when signed in (window "ward:consent").
(function () {
  var NAME = "ward_consent";
  var CATS = ["preferences", "analytics", "advertising"];
  var gpc = navigator.globalPrivacyControl === true;

  function box() {
    return document.getElementById("cc");
  }

  function rev() {
    var b = box();
    return b ? b.getAttribute("data-rev") : null;
  }

  function read() {
    var m = document.cookie.match(/(?:^|;\s*)ward_consent=1\.([A-Za-z0-9-]+)\.([01]{4})\.(\d+)/);
    if (!m) return null;
    return { rev: m[1], flags: m[2].split("").map(function (c) { return c === "1"; }) };
  }

  function current() {
    var c = read();
    return c && c.rev === rev() ? c : null;
  }

  function loadAnalytics() {
    if (document.getElementById("ward-analytics")) return;
    var s = document.createElement("script");
    s.id = "ward-analytics";
    s.src = "/analytics.js";
    s.async = true;
    document.head.appendChild(s);
  }

  function apply() {
    var c = current();
    if (c && c.flags[1]) loadAnalytics();
  }

  function boxes() {
    return CATS.map(function (id) { return document.getElementById("cc-" + id); });
  }

  function choose(flags) {
    if (gpc) flags[2] = false;
    var bits = flags.map(function (f) { return f ? "1" : "0"; }).join("") + (gpc ? "1" : "0");
    document.cookie = NAME + "=1." + rev() + "." + bits + "." + Math.floor(Date.now() / 1000) +
      "; Path=/; Max-Age=15552000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    box().hidden = true;
    window.dispatchEvent(new CustomEvent("ward:consent"));
    apply();
  }

  function expand(on) {
    var more = document.getElementById("cc-more");
    var btn = document.querySelector('[data-cc="customize"]');
    more.hidden = !on;
    btn.setAttribute("aria-expanded", on ? "true" : "false");
  }

  function open() {
    var b = box();
    if (!b) return;
    var c = current();
    boxes().forEach(function (el, i) { el.checked = !!(c && c.flags[i]); });
    b.hidden = false;
    expand(true);
    document.getElementById("cc-title").focus();
  }

  function init() {
    var b = box();
    if (!b) return;
    if (gpc) {
      b.querySelector(".cc-gpc").hidden = false;
      var ad = document.getElementById("cc-advertising");
      ad.checked = false;
      ad.disabled = true;
    }
    // The server decided from the cookie it saw; the cookie may have changed since.
    b.hidden = !!current();
    apply();
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-cc],[data-cc-open]");
    if (!t || !box()) return;
    if (t.hasAttribute("data-cc-open")) {
      e.preventDefault();
      open();
      return;
    }
    var what = t.getAttribute("data-cc");
    if (what === "accept") choose([true, true, true]);
    else if (what === "reject") choose([false, false, false]);
    else if (what === "save") choose(boxes().map(function (el) { return el.checked; }));
    else if (what === "customize") expand(t.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (e) {
    var b = box();
    if (e.key === "Escape" && b && !b.hidden && current()) b.hidden = true;
  });

  // Once the app has mounted (after the banner, at the end of <body>), the banner moves
  // after it: the app's skip link stays the first thing on the page.
  window.addEventListener("TrunkApplicationStarted", function () {
    var b = box();
    if (b) document.body.appendChild(b);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
