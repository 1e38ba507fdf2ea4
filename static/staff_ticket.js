// The staff ticket page: a canned reply goes into the reply box where the cursor is,
// keeping what the technician already typed. Without this script the buttons reload the
// page with the canned text filled in.
(function () {
  "use strict";
  function insert(box, text) {
    var start = box.selectionStart, end = box.selectionEnd;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    if (before && !/\n$/.test(before)) { text = "\n" + text; }
    box.value = before + text + after;
    var caret = before.length + text.length;
    box.focus();
    box.setSelectionRange(caret, caret);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.canned-replies").forEach(function (form) {
      var box = document.getElementById(form.getAttribute("data-target"));
      if (!box) { return; }
      // Where the technician last left the cursor, even after clicking elsewhere.
      box.selectionStart = box.selectionEnd = box.value.length;
      form.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-body]");
        if (!button) { return; }
        event.preventDefault();
        insert(box, button.getAttribute("data-body"));
      });
    });
  });
})();
