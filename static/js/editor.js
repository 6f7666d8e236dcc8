/* The draft editor keeps the admin's work: every edit sends the draft's latest version, the districts that are
   open and the rows being edited (so a refreshed editor shows them as they were), values typed in other rows
   survive a refresh, the view stays where it was, buttons show progress, and leaving with unsaved edits asks
   first. Also marks any form with data-busy while it is being sent. */
(function () {
  "use strict";
  var editor = function () { return document.getElementById("plan-editor"); };
  var inEditor = function (element) {
    return Boolean(element && element.closest && element.closest("#plan-editor, .map-select"));
  };

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "version" && field.name !== "csrfmiddlewaretoken" && field.type !== "hidden";
    });
  }

  function changed(field) {
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) { return option.selected !== option.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }

  // Forms with edits not yet saved: territory rows, PMO headers, the new territory.
  function dirtyForms(except) {
    var root = editor();
    if (!root) { return []; }
    return Array.prototype.filter.call(root.querySelectorAll("form.row-form"), function (form) {
      return form !== except && fields(form).some(changed);
    });
  }

  function stash(except) {
    var kept = [];
    dirtyForms(except).forEach(function (form) {
      fields(form).filter(changed).forEach(function (field) {
        kept.push({ action: form.getAttribute("action"), name: field.name, value: field.value, checked: field.checked });
      });
    });
    return kept;
  }

  function restore(kept) {
    kept.forEach(function (item) {
      var form = document.querySelector('#plan-editor form[action="' + item.action + '"]');
      var field = form && form.elements.namedItem(item.name);
      if (!field) { return; }
      if (field.type === "checkbox") { field.checked = item.checked; } else { field.value = item.value; }
    });
  }

  function ids(selector, attribute) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (node) {
      return node.getAttribute(attribute);
    }).join(",");
  }

  var pending = null;  // what to put back after the current request's swap

  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    if (!inEditor(source)) { return; }
    var status = document.getElementById("plan-status");
    if (status && event.detail.verb === "post") { event.detail.parameters.version = status.dataset.version; }
    event.detail.parameters.open = ids("#plan-editor details.district-block[open]", "data-district");
    event.detail.parameters.editing = ids("#plan-editor tr.editing", "data-territory");
    // The element to keep in place on screen: for a move, the district of the first village chosen; else the
    // one that asked, or the nearest block with an id around it.
    // For a move chosen on the map, the map itself (what the admin is looking at), not its form below it.
    var chosen = source.id === "move-form" && document.querySelector('input[name="villages"][form="move-form"]:checked');
    var map = source.id && document.querySelector('.map[data-select="#' + source.id + '"]');
    var anchor = (chosen && chosen.closest("[id]")) || map || source.closest("[id]") || source;
    pending = { anchor: anchor, anchorId: anchor.id, top: anchor.getBoundingClientRect().top, scroll: window.scrollY,
                kept: stash(source.closest("form")), post: event.detail.verb === "post" };
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    var form = source.closest ? (source.tagName === "FORM" ? source : source.closest("form")) : null;
    var buttons = form ? form.querySelectorAll("button") : [source];
    Array.prototype.forEach.call(buttons, function (button) {
      if (button.tagName !== "BUTTON") { return; }
      button.disabled = true;
    });
    var pressed = (event.detail.requestConfig && event.detail.requestConfig.triggeringEvent
      && event.detail.requestConfig.triggeringEvent.submitter) || (source.tagName === "BUTTON" ? source : null)
      || (form && form.querySelector("button[type=submit]"));
    if (pressed) { pressed.setAttribute("aria-busy", "true"); }
    document.documentElement.classList.add("editor-busy");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    var form = source.tagName === "FORM" ? source : (source.closest && source.closest("form"));
    Array.prototype.forEach.call((form || source).querySelectorAll ? (form || source).querySelectorAll("button") : [], function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
    if (source.tagName === "BUTTON") { source.disabled = false; source.removeAttribute("aria-busy"); }
    document.documentElement.classList.remove("editor-busy");
    var version = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Plan-Version");
    if (version) {
      var status = document.getElementById("plan-status");
      if (status) { status.dataset.version = version; }
      document.querySelectorAll('#plan-editor input[name="version"], .map-select input[name="version"]').forEach(function (input) {
        input.value = version;
      });
    }
  });

  function settled() {
    if (!pending) { return; }
    var done = pending;
    pending = null;
    restore(done.kept);
    var anchor = done.anchor && done.anchor.isConnected ? done.anchor
      : done.anchorId && document.getElementById(done.anchorId);
    if (anchor) { window.scrollBy(0, anchor.getBoundingClientRect().top - done.top); }
    else { window.scrollTo(0, done.scroll); }
    if (done.post) { document.dispatchEvent(new CustomEvent("plan:changed")); }
  }
  document.addEventListener("htmx:afterSettle", settled);
  // A response of out-of-band parts only settles nothing in the target: finish after htmx's settle delay.
  document.addEventListener("htmx:afterRequest", function () { window.setTimeout(settled, 60); });

  // The feedback region (fixed in view) is closed by its button, its link to the checks or Escape. While it is
  // shown the page has room below for it, so that nothing of the page stays hidden under it.
  function feedback() { return document.getElementById("editor-feedback"); }
  function roomForFeedback() {
    var region = feedback();
    var height = region ? region.offsetHeight : 0;
    document.body.style.paddingBottom = height ? (height + 16) + "px" : "";
  }
  function closeFeedback() {
    var region = feedback();
    if (region) { region.replaceChildren(); }
    roomForFeedback();
  }
  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-feedback-close]");
    if (closer && feedback()) { window.setTimeout(closeFeedback, 0); }
  });
  document.addEventListener("keydown", function (event) {
    var region = feedback();
    if (event.key === "Escape" && region && region.children.length) { closeFeedback(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var region = feedback();
    if (!region) { return; }
    if (window.ResizeObserver) { new ResizeObserver(roomForFeedback).observe(region); }
    roomForFeedback();
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirtyForms(null).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Plain forms (propose, publish, import, discard): one submission, with the pressed button busy.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-busy")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var pressed = event.submitter || form.querySelector("button[type=submit]");
    if (pressed) { pressed.setAttribute("aria-busy", "true"); }
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button").forEach(function (button) { button.disabled = false; button.removeAttribute("aria-busy"); });
    });
  });
})();

/* Forms: the page scrolls to the first field with an error (next to its field, not at the top), and a visit
   form can take the phone's location when the mentor asks for it. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var error = document.querySelector("main .field-error, main [aria-invalid=true]");
    if (error) {
      var field = error.previousElementSibling && error.previousElementSibling.matches("input, select, textarea")
        ? error.previousElementSibling : error;
      field.scrollIntoView({ block: "center" });
      if (field.focus) { field.focus({ preventScroll: true }); }
    }
    document.querySelectorAll("[data-locate]").forEach(function (button) {
      button.addEventListener("click", function () {
        var form = button.closest("form");
        var status = form.querySelector(".locate-status");
        if (!navigator.geolocation) { status.textContent = button.dataset.failed; return; }
        button.setAttribute("aria-busy", "true");
        navigator.geolocation.getCurrentPosition(function (position) {
          form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
          form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.found;
          button.removeAttribute("aria-busy");
        }, function () {
          status.textContent = button.dataset.failed;
          button.removeAttribute("aria-busy");
        }, { timeout: 10000 });
      });
    });
  });
})();
