/* The field app in the page (a mentor's pages only; the service worker is static/js/sw.js).

   A visit form marked data-field-visit is kept on the phone (IndexedDB) before it is sent: with its follow-ups
   and its photos, shrunk here to at most 2000 px on their longest side. Each visit carries the form's one-time
   token, so a visit sent twice (the answer lost to a timeout, two tabs) is recorded once by the server.
   Sending starts on its own: when the page opens, when the signal returns and every 30 seconds. What the server
   refuses stays on the phone with its reason until the mentor corrects or discards it. Every page says how
   many visits are waiting. Signing out with visits waiting asks first, and forgets everything kept. */
(function () {
  "use strict";

  var DB_NAME = "koperasi-field", STORE = "visits", LARGEST_SIDE = 2000, EVERY_MS = 30000;
  var words = {}, syncing = false, user = "";

  // --- the store ---------------------------------------------------------------------------------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "token" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        var request = work(tx.objectStore(STORE));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error || (request && request.error)); };
      });
    });
  }

  var store = {
    all: function () {  // the signed-in person's visits: another account's wait for that account
      return run("readonly", function (s) { return s.getAll(); }).then(function (list) {
        return (list || []).filter(function (entry) { return entry.user === user; }).sort(function (a, b) {
          return a.savedAt - b.savedAt;
        });
      });
    },
    get: function (token) { return run("readonly", function (s) { return s.get(token); }); },
    put: function (entry) { return run("readwrite", function (s) { return s.put(entry); }); },
    remove: function (token) { return run("readwrite", function (s) { return s.delete(token); }); }
  };

  // --- photos: shrunk on the phone --------------------------------------------------------------------------
  // A photo redrawn smaller loses its EXIF block, which says when and where it was taken (the reviewer's
  // evidence): the original's block is copied into the smaller JPEG, its orientation set upright, since the
  // canvas already drew the pixels upright.
  function exifOf(buffer) {
    try {
      var view = new DataView(buffer), offset = 2;
      if (view.getUint16(0) !== 0xFFD8) { return null; }
      while (offset + 10 <= view.byteLength) {
        var marker = view.getUint16(offset), length = view.getUint16(offset + 2);
        if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA) { return null; }
        if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) {  // "Exif"
          var segment = new Uint8Array(buffer.slice(offset, offset + 2 + length));
          upright(new DataView(segment.buffer));
          return segment;
        }
        offset += 2 + length;
      }
    } catch (error) { /* a damaged block is left behind */ }
    return null;
  }

  function upright(view) {
    var tiff = 10, little = view.getUint16(tiff) === 0x4949;
    var ifd = tiff + view.getUint32(tiff + 4, little), count = view.getUint16(ifd, little);
    for (var i = 0; i < count; i++) {
      var entry = ifd + 2 + i * 12;
      if (view.getUint16(entry, little) === 0x0112) { view.setUint16(entry + 8, 1, little); }  // Orientation
    }
  }

  function withExif(blob, exif) {
    if (!exif) { return Promise.resolve(blob); }
    return blob.arrayBuffer().then(function (buffer) {
      var bytes = new Uint8Array(buffer), at = 2;
      if (bytes[2] === 0xFF && bytes[3] === 0xE0) { at = 4 + (bytes[4] << 8 | bytes[5]); }  // after JFIF's APP0
      return new Blob([bytes.slice(0, at), exif, bytes.slice(at)], { type: "image/jpeg" });
    });
  }

  function shrink(file) {
    if (!/^image\//.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve({ name: file.name, type: file.type, blob: file });
    }
    var exif = null;
    return file.arrayBuffer().then(function (buffer) {
      exif = exifOf(buffer);
      return createImageBitmap(file);
    }).then(function (bitmap) {
      var side = Math.max(bitmap.width, bitmap.height);
      if (side <= LARGEST_SIDE) {  // small enough: kept as taken
        bitmap.close();
        return { name: file.name, type: file.type, blob: file };
      }
      var scale = LARGEST_SIDE / side, canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", 0.85);
      }).then(function (blob) {
        return blob ? withExif(blob, exif) : file;
      }).then(function (blob) {
        return { name: file.name.replace(/\.\w+$/, "") + ".jpg", type: blob.type || file.type, blob: blob };
      });
    }, function () { return { name: file.name, type: file.type, blob: file }; });
  }

  // --- sending ----------------------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  var SEND_LIMIT_MS = 120000;  // one visit with its photos: 2 MB at 400 kbit/s takes about 40 s

  function body(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    entry.photos.forEach(function (photo) { data.append("files", photo.blob, photo.name); });
    return data;
  }

  // One visit to the server: "sent", "refused" (kept with the reason), or why to stop for now. `now`: the visit
  // the mentor has just saved, whose page opens next and says it was recorded.
  function send(entry, now) {
    var headers = { "X-CSRFToken": csrfToken(), "X-Field-App": "1", "Accept": "application/json" };
    if (now) { headers["X-Field-Now"] = "1"; }
    // A line that stalls (a half-open connection, common on a weak signal) must not hold the sending lock for ever:
    // past SEND_LIMIT_MS the send is given up and the visit keeps waiting; its token makes the next try safe even if
    // the server did record this one.
    var stop = window.AbortController ? new AbortController() : null;
    var timer = stop ? setTimeout(function () { stop.abort(); }, SEND_LIMIT_MS) : null;
    return fetch(entry.action, {
      method: "POST", body: body(entry), credentials: "same-origin", redirect: "manual",
      headers: headers, signal: stop ? stop.signal : undefined
    }).finally(function () { clearTimeout(timer); }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          return store.remove(entry.token).then(function () { return { outcome: "sent", url: answer.url }; });
        });
      }
      if (response.type === "opaqueredirect" || response.status === 0) {
        return keep(entry, "waiting", words.signIn).then(function () { return { outcome: "signin" }; });
      }
      if (response.status === 400) {
        return response.json().catch(function () { return { errors: [] }; }).then(function (answer) {
          return refuse(entry, (answer.errors || []).join(" ") || words.refused);
        });
      }
      if (response.status === 404) { return refuse(entry, words.notYours); }
      if (response.status === 403) { return refuse(entry, words.forbidden); }
      if (response.status === 413) { return refuse(entry, words.tooLarge); }
      return keep(entry, "waiting", words.busy).then(function () { return { outcome: "later" }; });
    }, function () { return { outcome: "offline" }; });
  }

  function keep(entry, status, reason) {
    entry.status = status;
    entry.reason = reason;
    return store.put(entry);
  }

  function refuse(entry, reason) {
    return keep(entry, "refused", reason).then(function () { return { outcome: "refused", reason: reason }; });
  }

  function sendWaiting() {
    var sent = 0;
    return store.all().then(function (list) {
      var waiting = list.filter(function (entry) { return entry.status === "waiting"; });
      var next = function (i) {
        if (i >= waiting.length) { return Promise.resolve(); }
        return send(waiting[i]).then(function (result) {
          if (result.outcome === "sent") { sent += 1; }
          if (result.outcome === "sent" || result.outcome === "refused") { return next(i + 1); }
        });
      };
      return next(0);
    }).then(function () { if (sent) { refreshKept(true); } });  // the kept pages show the visits just sent
  }

  function refreshKept(force) {
    // The worker keeps the mentor's pages (sw.js): asked on opening a page and when the signal returns; it does
    // the work at most every few minutes unless forced.
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker && navigator.onLine) { worker.postMessage({ type: "refresh", force: Boolean(force) }); }
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    document.documentElement.classList.add("field-sending");
    var work = navigator.locks ? navigator.locks.request("koperasi-field-send", sendWaiting) : sendWaiting();
    return work.catch(function () {}).then(function () {
      syncing = false;
      document.documentElement.classList.remove("field-sending");
      return render();
    });
  }

  // --- what every page says ---------------------------------------------------------------------------------
  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) { node.className = className; }
    return node;
  }

  function render() {
    var panel = document.getElementById("field-status");
    if (!panel) { return Promise.resolve(); }
    return store.all().then(function (list) {
      panel.replaceChildren();
      panel.hidden = !list.length && navigator.onLine;
      if (!navigator.onLine) { panel.appendChild(text("p", words.offline, "field-offline")); }
      if (!list.length) { return; }
      var refused = list.filter(function (entry) { return entry.status === "refused"; }).length;
      var line = document.createElement("p");
      line.appendChild(text("strong", words.waiting.replace("{n}", list.length), "field-count"));
      if (refused) { line.appendChild(text("span", " · " + words.refusedCount.replace("{n}", refused), "field-refused")); }
      if (navigator.onLine) {
        var now = text("button", words.sendNow, "secondary outline field-send");
        now.type = "button";
        now.addEventListener("click", sync);
        line.appendChild(document.createTextNode(" "));
        line.appendChild(now);
      }
      panel.appendChild(line);
      var details = document.createElement("details");
      details.appendChild(text("summary", words.list));
      var items = document.createElement("ul");
      list.forEach(function (entry) {
        var item = document.createElement("li");
        item.dataset.token = entry.token;
        item.appendChild(text("strong", entry.label));
        item.appendChild(document.createTextNode(" · " + entry.date + " · " + entry.photos.length + " " + words.photos + " · "));
        item.appendChild(text("span", entry.status === "refused" ? words.refusedOne : words.waitingOne, "field-state"));
        if (entry.reason) { item.appendChild(text("small", entry.reason, "field-reason")); }
        var edit = text("a", words.edit);
        edit.href = entry.page + "?waiting=" + encodeURIComponent(entry.token);
        var discard = text("button", words.discard, "secondary outline");
        discard.type = "button";
        discard.addEventListener("click", function () {
          if (window.confirm(words.discardQuestion)) { store.remove(entry.token).then(render); }
        });
        var actions = document.createElement("span");
        actions.className = "field-actions";
        actions.appendChild(edit);
        actions.appendChild(discard);
        item.appendChild(actions);
        items.appendChild(item);
      });
      details.appendChild(items);
      panel.appendChild(details);
    });
  }

  // --- the visit form ---------------------------------------------------------------------------------------
  function newToken() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function say(form, message, kind) {
    var box = form.querySelector(".field-message");
    if (!box) {
      box = document.createElement("article");
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.className = "message field-message message-" + kind;
    box.textContent = message;
    box.scrollIntoView({ block: "center" });
  }

  function label(form) {
    var select = form.querySelector("select[name=cooperative]");
    if (select && select.selectedIndex >= 0 && select.value) { return select.options[select.selectedIndex].text; }
    var crumb = document.querySelector("nav.breadcrumb a");
    return crumb ? crumb.textContent.trim() : document.title;
  }

  function entryFrom(form, kept) {
    var fields = [], files = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") {
        if (name !== "csrfmiddlewaretoken") { fields.push([name, value]); }
      } else if (value && value.size) {
        files.push(value);
      }
    });
    var token = form.querySelector("input[name=submission]").value;
    var photos = files.length ? Promise.all(files.map(shrink)) : Promise.resolve(kept ? kept.photos : []);
    return photos.then(function (shrunk) {
      return {
        token: token, user: user, action: form.getAttribute("action") || location.pathname, page: location.pathname,
        label: label(form), date: (form.querySelector("input[name=date]") || {}).value || "",
        fields: fields, photos: shrunk, status: "waiting", reason: "", savedAt: kept ? kept.savedAt : Date.now()
      };
    });
  }

  function fill(form, entry) {
    var values = {};
    entry.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "file" || field.name === "csrfmiddlewaretoken") { return; }
      var given = values[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = given.indexOf(field.value) !== -1;
      } else if (given.length) {
        field.value = given[0];
      }
    });
  }

  function startAfresh(form) {
    form.reset();
    form.querySelector("input[name=submission]").value = newToken();
    if (location.search) { history.replaceState(null, "", location.pathname); }
    delete form.dataset.editing;
  }

  function visitForm(form) {
    var editing = new URLSearchParams(location.search).get("waiting");
    var kept = null;
    // A token of its own for every opening: the page may be the copy the phone keeps, opened many times offline,
    // and two visits with one token would be one visit.
    form.querySelector("input[name=submission]").value = newToken();
    if (editing) {
      store.get(editing).then(function (entry) {
        if (!entry) { return; }
        kept = entry;
        form.dataset.editing = entry.token;
        fill(form, entry);
        say(form, words.editing.replace("{n}", entry.photos.length) + (entry.reason ? " " + entry.reason : ""),
            entry.status === "refused" ? "error" : "note");
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation();  // not the plain forms' "sent once" marker: this form stays usable offline
      var button = form.querySelector("button[type=submit]");
      var input = form.querySelector("input[type=file]");
      var most = parseInt(input && input.dataset.most, 10) || 6;
      if (input && input.files.length > most) { say(form, words.tooMany.replace("{n}", most), "error"); return; }
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      var done = function () { button.removeAttribute("aria-busy"); button.disabled = false; };
      entryFrom(form, form.dataset.editing ? kept : null).then(function (entry) {
        return store.put(entry).then(function () { return entry; }, function (error) {
          var full = error && (error.name === "QuotaExceededError" || /quota/i.test(String(error.message)));
          say(form, full ? words.full : words.notKept + " " + (error && error.message || ""), "error");
          throw error;
        });
      }).then(function (entry) {
        kept = null;
        return (navigator.onLine ? send(entry, true) : Promise.resolve({ outcome: "offline" })).then(function (result) {
          if (result.outcome === "sent") { location.assign(result.url || "/"); return; }
          if (result.outcome === "refused") { kept = entry; form.dataset.editing = entry.token; say(form, words.refusedNow + " " + result.reason, "error"); return; }
          startAfresh(form);
          say(form, result.outcome === "signin" ? words.keptSignIn : words.kept, "success");
        });
      }).catch(function () {}).then(function () { done(); render(); });
    });
  }

  // --- signing out ------------------------------------------------------------------------------------------
  function forget() {
    window.localStorage.removeItem("koperasi-field-user");
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    var pages = window.caches ? caches.delete("field-pages") : Promise.resolve();
    if (worker) { worker.postMessage({ type: "clear" }); }
    var mine = store.all().then(function (list) {
      return Promise.all(list.map(function (entry) { return store.remove(entry.token); }));
    });
    return Promise.all([mine.catch(function () {}), pages.catch(function () {})]);
  }

  function signOut(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.forgotten) { return; }
      event.preventDefault();
      event.stopPropagation();
      if (!navigator.onLine) { window.alert(words.signOutOffline); return; }
      store.all().catch(function () { return []; }).then(function (list) {
        if (list.length && !window.confirm(words.signOut.replace("{n}", list.length))) { return; }
        forget().then(function () { form.dataset.forgotten = "1"; form.submit(); });
      });
    });
  }

  // --- start ------------------------------------------------------------------------------------------------
  function start() {
    var panel = document.getElementById("field-status");
    if (!panel || !window.indexedDB) { return; }
    words = panel.dataset;  // the words of the page's language, one data- attribute each
    user = panel.dataset.user;
    // Another account signed in on this phone: the pages kept for the previous one are dropped (its unsent
    // visits stay in the store, listed and sent only when that account signs in again).
    var previous = window.localStorage.getItem("koperasi-field-user");
    window.localStorage.setItem("koperasi-field-user", user);
    if (previous && previous !== user && window.caches) {
      caches.delete("field-pages").catch(function () {});
      var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (worker) { worker.postMessage({ type: "clear" }); }  // nor is a refresh begun for them put back
    }
    document.querySelectorAll("form[data-field-visit]").forEach(visitForm);
    document.querySelectorAll("form.logout").forEach(signOut);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(panel.dataset.worker, { scope: "/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        if (navigator.onLine && registration.active) { registration.active.postMessage({ type: "refresh" }); }
      }).catch(function () {});
    }
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    window.addEventListener("online", function () {
      document.querySelectorAll(".field-message.message-success").forEach(function (note) { note.remove(); });
      render();
      sync();
      refreshKept(false);  // the kept pages, fresh again
    });
    window.addEventListener("offline", render);
    window.setInterval(sync, EVERY_MS);
    render().then(sync);
  }

  window.koperasiField = { sync: sync, store: store };  // for the browser tests and the curious
  document.addEventListener("DOMContentLoaded", start);
})();
