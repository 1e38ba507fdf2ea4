// The staff inbox refreshes its rows every 15 seconds without a reload, so new tickets and
// new candidate replies appear by themselves; a screen reader hears how many are unread.
// Without this script the page is the same list, refreshed by reloading it.
(function () {
  "use strict";
  var EVERY_MS = 15000;
  function unreadIn(box) {
    var total = box.querySelector("#inbox-total");
    return total ? parseInt(total.getAttribute("data-unread") || "0", 10) : 0;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("inbox-results");
    var news = document.getElementById("inbox-news");
    if (!box || !window.fetch) { return; }
    var url = box.getAttribute("data-live");
    var last = box.innerHTML;
    function refresh() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null || html === last) { return; }
          var before = unreadIn(box);
          // Keep the technician's place: a link that has focus is focused again.
          var focused = document.activeElement && box.contains(document.activeElement)
            ? document.activeElement.getAttribute("href") : null;
          box.innerHTML = html;
          last = html;
          var after = unreadIn(box);
          if (news && after > before) {
            news.textContent = news.getAttribute("data-template").replace("{n}", String(after));
          }
          if (focused) {
            var again = box.querySelector('a[href="' + focused + '"]');
            if (again) { again.focus(); }
          }
        })
        .catch(function () {});
    }
    window.setInterval(refresh, EVERY_MS);
    document.addEventListener("visibilitychange", refresh);
  });
})();
