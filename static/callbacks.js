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
  // A claim's countdown ([data-countdown] = the moment it runs out), redrawn every second;
  // polled fragments bring new ones, so every tick looks them up again.
  function countdowns() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000);
      el.textContent = left > 0
        ? el.getAttribute("data-template").replace("{n}", String(left))
        : el.getAttribute("data-expired");
      el.classList.toggle("error", left <= 15);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(poll);
    countdowns();
    setInterval(countdowns, 1000);
  });
})();
