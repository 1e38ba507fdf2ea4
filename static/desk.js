// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Elements with data-refresh="URL" and data-interval="ms" reload their HTML fragment,
  // until a fragment holds an element marked data-refresh-done (a finished job's report).
  function refresh(el) {
    var url = el.getAttribute("data-refresh");
    var interval = parseInt(el.getAttribute("data-interval") || "3000", 10);
    function tick() {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) { el.innerHTML = html; } })
        .catch(function () {})
        .then(function () {
          if (el.querySelector("[data-refresh-done]")) { el.removeAttribute("data-refresh"); return; }
          setTimeout(tick, interval);
        });
    }
    setTimeout(tick, interval);
  }
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  // On a phone the menu folds behind one button (CSS hides it only when this script runs).
  function menu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("site-menu");
    if (!toggle || !nav) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    menu();
    document.querySelectorAll("[data-refresh]").forEach(refresh);
  });
})();
