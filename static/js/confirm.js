/* An action that cannot be undone sits in a <details class="confirm">: its summary opens a panel that says what
   will happen, with the real button ("Yes, ...") and a Cancel. Without JavaScript the summary opens and closes the
   panel by itself; with it, Cancel and Escape close the panel and give the focus back to the summary, and opening
   the panel moves the focus to its question. */
(function () {
  "use strict";

  function close(details) {
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) { summary.focus(); }
  }

  function ready() {
    document.querySelectorAll("details.confirm [data-confirm-cancel]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:afterSettle", ready);
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("details.confirm [data-confirm-cancel]");
    if (cancel) {
      event.preventDefault();
      close(cancel.closest("details.confirm"));
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var details = event.target.closest && event.target.closest("details.confirm[open]");
    if (details) { close(details); }
  });
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details.confirm") || !details.open) { return; }
    var question = details.querySelector(".confirm-question");
    if (question) { question.focus(); }
  }, true);
})();
