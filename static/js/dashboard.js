/* The dashboard on a phone: its long tables (details[data-phone-closed]) start closed, each showing its count,
   so that the key figures and the charts come first. Without JavaScript every table stays open. A table the
   address points at (#breakdown after sorting) stays open. */
(function () {
  "use strict";
  var PHONE = "(max-width: 640px)";

  function pointedAt() {
    if (!window.location.hash) { return null; }
    try {
      return document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (error) {
      return null;
    }
  }

  function closeLongTables(root) {
    if (!window.matchMedia(PHONE).matches) { return; }
    var target = pointedAt();
    root.querySelectorAll("details[data-phone-closed]").forEach(function (details) {
      if (target && (target.contains(details) || details.contains(target))) { return; }
      details.open = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { closeLongTables(document); });
})();
