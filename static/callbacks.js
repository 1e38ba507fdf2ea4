// The queue console, the wallboard and the candidate's status page refresh their fragments
// every couple of seconds without a reload. Unlike desk.js's data-refresh, a fragment is not
// replaced while someone types or clicks inside it, and polling stops once a help request is
// closed (the fragment marks itself with data-final). An open <details> (a confirmation,
// a form) holds the fragment until it is closed.
(function () {
  "use strict";
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var interval = parseInt(el.getAttribute("data-interval") || "2000", 10);
    function busy() {
      var active = document.activeElement;
      if (el.querySelector("details[open]")) { return true; }  // a confirmation is open
      return active && active !== document.body && el.contains(active) &&
        /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    }
    function tick() {
      if (busy()) { setTimeout(tick, interval); return; }
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin",
                   cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && !busy()) { el.innerHTML = html; }
        })
        .catch(function () {})
        .then(function () {
          if (!el.querySelector("[data-final]")) { setTimeout(tick, interval); }
        });
    }
    if (!el.querySelector("[data-final]")) { setTimeout(tick, interval); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
  });
})();
