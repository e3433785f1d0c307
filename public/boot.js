// Runs before the app: applies the stored theme and language so the first paint is right.
// Keys and values must match src/prefs.rs.
(function () {
  try {
    var root = document.documentElement;
    var theme = localStorage.getItem("ward.theme");
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    var lang = localStorage.getItem("ward.lang");
    if (lang === "en" || lang === "zh") root.setAttribute("lang", lang);
  } catch (e) {
    // Storage disabled: the system theme and English apply.
  }
})();
