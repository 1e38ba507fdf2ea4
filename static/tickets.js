// The ticket form: refresh the suggested articles and the category's questions when the
// category changes. The form works without this script.
(function () {
  "use strict";
  function showQuestions(form, category) {
    form.querySelectorAll(".category-questions").forEach(function (box) {
      var wanted = (box.getAttribute("data-for") || "").split(" ");
      box.hidden = wanted.indexOf(category) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ticket-form");
    var box = document.getElementById("suggestions");
    if (!form || !box) { return; }
    var select = form.querySelector("select[name=category]");
    showQuestions(form, select.value);
    select.addEventListener("change", function () {
      showQuestions(form, select.value);
      var url = box.getAttribute("data-suggest") + "?category=" + encodeURIComponent(select.value);
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { box.innerHTML = html; })
        .catch(function () {});
    });
  });
})();
