// The queue console, the wallboard and the candidate's status page refresh their fragments
// without a reload: every couple of seconds, the status page at the pace its fragment sets.
// Unlike desk.js's data-refresh, a fragment is not replaced while someone types or clicks
// inside it, and polling stops once a help request is closed (the fragment marks itself with
// data-final). An open <details> (a confirmation, a form) holds the fragment until closed.
(function () {
  "use strict";
  // After a failed ask the next waits twice as long each time, up to half a minute (inside
  // an agent's 45 s presence window), or as long as the server's Retry-After says.
  var LONGEST_BACKOFF = 30000;
  // A fragment may set the pace itself (data-next-poll, in ms: the candidate's status page
  // asks less often the further off the call is); data-pause-hidden stops asking while the
  // page is hidden and asks at once when it is shown again.
  function poll(el) {
    var url = el.getAttribute("data-poll");
    var interval = parseInt(el.getAttribute("data-interval") || "2000", 10);
    var pauseHidden = el.hasAttribute("data-pause-hidden");
    var failures = 0, timer = null, dueWhileHidden = false;
    function busy() {
      var active = document.activeElement;
      if (el.querySelector("details[open]")) { return true; }  // a confirmation is open
      return active && active !== document.body && el.contains(active) &&
        /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    }
    function closed() { return !!el.querySelector("[data-final]"); }
    function pace() {
      var marked = el.querySelector("[data-next-poll]");
      var ms = marked ? parseInt(marked.getAttribute("data-next-poll"), 10) : NaN;
      return ms > 0 ? ms : interval;
    }
    function backoff(response) {
      var seconds = response ? parseInt(response.headers.get("Retry-After") || "", 10) : NaN;
      var doubled = Math.min(LONGEST_BACKOFF, pace() * Math.pow(2, failures));
      // later, never sooner, than asked: a tenth more at most
      return Math.round(Math.max(seconds > 0 ? seconds * 1000 : 0, doubled) *
                        (1 + Math.random() * 0.1));
    }
    function schedule(ms) { clearTimeout(timer); timer = setTimeout(tick, ms); }
    function tick() {
      timer = null;
      if (pauseHidden && document.hidden) { dueWhileHidden = true; return; }
      if (busy()) { schedule(interval); return; }
      var delay = null;
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin",
                   cache: "no-store" })
        .then(function (r) {
          if (r.ok) { failures = 0; return r.text(); }
          failures += 1;
          delay = backoff(r);
          return null;
        })
        .then(function (html) {
          if (html !== null && !busy()) { el.innerHTML = html; }
        })
        .catch(function () { failures += 1; delay = backoff(null); })
        .then(function () {
          // a tenth either way, so that pages opened together do not ask together
          var next = delay !== null ? delay : Math.round(pace() * (0.9 + Math.random() * 0.2));
          if (!closed()) { schedule(next); }
        });
    }
    if (pauseHidden) {
      document.addEventListener("visibilitychange", function () {
        if (!document.hidden && dueWhileHidden) { dueWhileHidden = false; tick(); }
      });
    }
    if (!closed()) { schedule(pace()); }
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
