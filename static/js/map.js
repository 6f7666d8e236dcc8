/* Village maps (Leaflet): polygons where boundaries are imported, points elsewhere, coloured by BA territory,
   stage or visit recency. Data comes from the element's data-source (JSON); nothing is written as HTML. */
(function () {
  "use strict";
  // As many distinct colours as territories: hues a golden angle apart, in two lightnesses.
  function territoryColour(index) {
    return "hsl(" + Math.round((index * 137.508) % 360) + ", 65%, " + (index % 2 ? 42 : 58) + "%)";
  }
  // Stages 1-8, from light cream to dark navy: each step darker (CIELAB L* 93 → 10) and turning from orange through
  // rose and purple to blue, so that neighbours stay apart also for protanopia, deuteranopia and tritanopia
  // (tests/test_stage_colours.py simulates them and checks every pair of neighbours).
  var STAGE = ["#fee8c3", "#fdbb91", "#f48d80", "#d96383", "#a74a8a", "#643f83", "#153268", "#001e31"];
  var RECENCY = { green: "#00665e", amber: "#f0b400", red: "#c0392b" };  // apart for every colour vision (tests/test_stage_colours.py)
  var NONE = "#bdbdbd";

  function colourOf(village, mode) {
    if (mode === "stage") { return village.stage === null ? NONE : STAGE[village.stage]; }
    if (mode === "recency") { return village.recency ? RECENCY[village.recency] : NONE; }
    return village.territory === null ? NONE : territoryColour(village.territory);
  }

  function legendItems(data, mode) {
    if (mode === "stage") {
      return data.stages.map(function (label, index) { return [STAGE[index], (index + 1) + ". " + label]; })
        .concat([[NONE, data.labels.no_cooperative]]);
    }
    if (mode === "recency") {
      return ["green", "amber", "red"].map(function (key) { return [RECENCY[key], data.recency[key]]; })
        .concat([[NONE, data.labels.no_cooperative]]);
    }
    var items = data.territories.map(function (t) {
      return [territoryColour(t.index), t.name + (t.mentor ? " · " + t.mentor : "")];
    });
    var uncovered = data.villages.some(function (village) { return village.territory === null; });
    return uncovered ? items.concat([[NONE, data.labels.no_territory]]) : items;
  }

  function escaped(text) {
    return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
  }

  // Leaflet's own controls in the page's language (their words are on the map element, translated).
  function controls(map, container, attribution) {
    L.control.zoom({ zoomInTitle: container.dataset.zoomIn || "+", zoomOutTitle: container.dataset.zoomOut || "-" })
      .addTo(map);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && container.dataset.closePopup) {
        close.setAttribute("aria-label", container.dataset.closePopup);
        close.title = container.dataset.closePopup;
      }
    });
    if (attribution) {
      L.control.attribution({ prefix: '<a href="https://leafletjs.com" title="' + escaped(container.dataset.leaflet || "")
        + '">Leaflet</a>' }).addTo(map);
    }
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function popup(village, data) {
    var box = element("div");
    box.appendChild(element("strong", village.name));
    box.appendChild(element("div", village.district));
    var last = village.last_visit ? village.last_visit : data.labels.never;
    if (village.cooperative !== null) { box.appendChild(element("div", data.labels.last_visit + ": " + last)); }
    var links = element("div", "", "map-popup-links");
    var page = element("a", data.labels.village);
    page.href = data.urls.village.replace("{code}", village.code);
    links.appendChild(page);
    if (village.cooperative !== null) {
      var cooperative = element("a", data.labels.cooperative);
      cooperative.href = data.urls.cooperative.replace("{id}", String(village.cooperative));
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(cooperative);
    }
    box.appendChild(links);
    return box;
  }

  // Choosing villages on a draft's map to move them (the form is the editor's own "move villages" form).
  function chooser(map, form, current, redraw) {
    var chosen = new Map();  // id -> name
    var inputs = form.querySelector(".map-chosen-inputs");
    var count = form.querySelector(".map-chosen-count");
    var names = form.querySelector(".map-chosen-names");
    var areaButton = form.querySelector("[data-map-area]");
    form.hidden = false;

    function show() {
      inputs.replaceChildren();
      chosen.forEach(function (_name, id) {
        var input = element("input");
        input.type = "hidden";
        input.name = "villages";
        input.value = String(id);
        inputs.appendChild(input);
      });
      count.textContent = String(chosen.size);
      var list = Array.from(chosen.values());
      names.textContent = list.length ? ": " + list.slice(0, 12).join(", ") + (list.length > 12 ? " …" : "") : "";
      form.querySelector("button[type=submit]").disabled = chosen.size === 0;
      redraw();
    }
    function toggle(village) {
      if (chosen.has(village.id)) { chosen.delete(village.id); } else { chosen.set(village.id, village.name); }
      show();
    }
    form.querySelector("[data-map-clear]").addEventListener("click", function () { chosen.clear(); show(); });

    // Drawing an area: press, drag, release; every village whose point lies inside is chosen.
    var drawing = false, corner = null, box = null;
    function areaMode(on) {
      drawing = on;
      areaButton.setAttribute("aria-pressed", on ? "true" : "false");
      areaButton.classList.toggle("outline", !on);
      map.getContainer().classList.toggle("map-drawing", on);
      if (on) { map.dragging.disable(); } else { map.dragging.enable(); }
    }
    areaButton.addEventListener("click", function () { areaMode(!drawing); });
    map.on("mousedown", function (event) {
      if (!drawing) { return; }
      corner = event.latlng;
      box = L.rectangle(L.latLngBounds(corner, corner), { color: "#111", weight: 1, dashArray: "4 3", fill: false }).addTo(map);
    });
    map.on("mousemove", function (event) {
      if (drawing && corner && box) { box.setBounds(L.latLngBounds(corner, event.latlng)); }
    });
    map.on("mouseup", function () {
      if (!drawing || !corner || !box) { return; }
      var bounds = box.getBounds();
      map.removeLayer(box);
      corner = box = null;
      current().villages.forEach(function (village) {
        if (village.where && bounds.contains(village.where)) { chosen.set(village.id, village.name); }
      });
      areaMode(false);
      show();
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt === form && event.detail.successful) { chosen.clear(); show(); }
    });
    show();
    return { has: function (id) { return chosen.has(id); }, toggle: toggle };
  }

  function start(container) {
    var block = container.closest(".map-block");
    var legend = block.querySelector(".map-legend");
    var mode = container.dataset.colour || "territory";
    var form = container.dataset.select ? document.querySelector(container.dataset.select) : null;
    var map = null, layer = null, data = null, picker = null;

    function draw() {
      layer.clearLayers();
      data.villages.forEach(function (village) {
        var picked = picker && picker.has(village.id);
        var style = { color: picked ? "#111" : "#424242", weight: picked ? 3 : 0.6, dashArray: picked ? "5 3" : null,
                      fillColor: colourOf(village, mode),
                      // the stage scale is read by its lightness: nearly opaque, as in the legend
                      fillOpacity: picked ? 0.95 : (mode === "stage" ? 0.92 : 0.75) };
        var shape = village.shape ? L.geoJSON(village.shape, { style: style })
          : L.circleMarker(village.point, Object.assign({ radius: picked ? 8 : 6 }, style));
        if (!village.where) { village.where = village.point ? L.latLng(village.point) : shape.getBounds().getCenter(); }
        if (picker) {
          shape.on("click", function () { picker.toggle(village); });
        } else {
          shape.bindPopup(function () { return popup(village, data); });
          shape.on("popupopen", function () { shape.closeTooltip(); });
        }
        // text, never markup; coloured by stage, the tooltip says the stage too (not by colour alone)
        var tip = village.name;
        if (mode === "stage") { tip += " · " + (village.stage === null ? data.labels.no_cooperative
          : (village.stage + 1) + ". " + data.stages[village.stage]); }
        shape.bindTooltip(element("span", tip));
        layer.addLayer(shape);
      });
      // A long legend (one colour per territory) folds on a phone, so that what follows the map stays near it;
      // its caption still says what the colours mean, and it opens with a tap (and stays as the reader left it).
      var folded = legend.querySelector("details");
      var wasOpen = folded ? folded.open : null;
      legend.replaceChildren();
      var items = legendItems(data, mode);
      var caption = legend.dataset["caption" + mode.charAt(0).toUpperCase() + mode.slice(1)];
      var holder = legend;
      if (items.length > 12) {
        holder = element("details", "", "map-legend-fold");
        holder.open = wasOpen !== null ? wasOpen : !window.matchMedia("(max-width: 576px)").matches;
        holder.appendChild(element("summary", (caption || "") + " (" + items.length + ")"));
        legend.appendChild(holder);
      } else if (caption) {
        legend.appendChild(element("p", caption, "map-legend-caption"));
      }
      var list = element("ul");
      items.forEach(function (item) {
        var entry = element("li");
        var swatch = element("span", "", "swatch");
        swatch.style.background = item[0];
        entry.appendChild(swatch);
        entry.appendChild(document.createTextNode(" " + item[1]));
        list.appendChild(entry);
      });
      holder.appendChild(list);
    }

    function load(first) {
      return fetch(container.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (fresh) {
          data = fresh;
          if (first) {
            map = L.map(container, { preferCanvas: true, zoomSnap: 0.25, zoomControl: false, attributionControl: false });
            controls(map, container, Boolean(data.tiles.url));
            if (data.tiles.url) { L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution }).addTo(map); }
            layer = L.featureGroup().addTo(map);
            container.leafletMap = map;  // for the page's tests and the browser's console
            if (form) { picker = chooser(map, form, function () { return data; }, function () { draw(); }); }
          }
          draw();
          if (first) {
            if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
            else { map.setView([-2.5, 118], 4); }
          }
          if (data.missing) {
            var note = block.querySelector(".map-missing");
            note.querySelector("span").textContent = String(data.missing);
            note.hidden = false;
          }
          container.dataset.ready = String(data.villages.length);
          container.dataset.loads = String(Number(container.dataset.loads || 0) + 1);
        });
    }

    load(true).then(function () {
      block.querySelectorAll("[data-colour]").forEach(function (button) {
        if (button === container) { return; }
        button.addEventListener("click", function (event) {
          event.preventDefault();
          mode = button.dataset.colour;
          block.querySelectorAll("a[data-colour]").forEach(function (other) {
            var chosen = other === button;
            other.setAttribute("aria-pressed", chosen ? "true" : "false");
            other.classList.toggle("outline", !chosen);
          });
          draw();
          var address = new URL(window.location.href);
          if (address.pathname === new URL(button.href, address).pathname) {
            address.searchParams.set("colour", mode);
            window.history.replaceState(null, "", address);
          }
        });
      });
      // A change to the draft (in the list or on the map) recolours the map.
      document.addEventListener("plan:changed", function () { load(false); });
    }).catch(function (error) {
      container.replaceChildren(element("p", String(error), "map-error"));
      container.dataset.ready = "error";
    });
  }

  // A land plot's point: a tap on the map or the phone's location fills the latitude and longitude fields of the
  // form around it; typed coordinates move the marker. Messages go to the picker's status line.
  function picker(box) {
    var form = box.closest("form");
    var latitude = form.querySelector("[name=latitude]");
    var longitude = form.querySelector("[name=longitude]");
    var status = box.querySelector(".picker-status");
    var button = box.querySelector("[data-use-location]");
    var node = box.querySelector(".picker-map");
    var map = L.map(node, { zoomControl: false, attributionControl: false });
    controls(map, box, Boolean(box.dataset.tiles));
    if (box.dataset.tiles) { L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution || "" }).addTo(map); }
    var marker = null;

    function typed() {
      var lat = parseFloat(latitude.value), lng = parseFloat(longitude.value);
      return isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? L.latLng(lat, lng) : null;
    }
    function place(point) {
      if (marker) { marker.setLatLng(point); }
      else { marker = L.circleMarker(point, { radius: 9, color: "#111", weight: 2, fillColor: "#c0392b", fillOpacity: 0.9 }).addTo(map); }
    }
    function fill(point, message) {
      latitude.value = point.lat.toFixed(6);
      longitude.value = point.lng.toFixed(6);
      [latitude, longitude].forEach(function (field) { field.dispatchEvent(new Event("change", { bubbles: true })); });
      place(point);
      status.textContent = message;
    }

    var village = box.dataset.lat ? L.latLng(parseFloat(box.dataset.lat), parseFloat(box.dataset.lng)) : null;
    if (village) {
      L.circleMarker(village, { radius: 5, color: "#424242", weight: 1, fillColor: "#9e9e9e", fillOpacity: 0.8 })
        .bindTooltip(element("span", box.dataset.village || "")).addTo(map);
    }
    var first = typed();
    if (first) { place(first); }
    map.setView(first || village || [-2.5, 118], first || village ? 15 : 4);
    map.on("click", function (event) { fill(event.latlng, box.dataset.picked); });
    [latitude, longitude].forEach(function (field) {
      field.addEventListener("input", function () {
        var point = typed();
        if (point) { place(point); map.panTo(point); }
      });
    });
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = box.dataset.unavailable; return; }
      button.setAttribute("aria-busy", "true");
      status.textContent = "";
      navigator.geolocation.getCurrentPosition(function (position) {
        button.removeAttribute("aria-busy");
        var point = L.latLng(position.coords.latitude, position.coords.longitude);
        fill(point, box.dataset.located.replace("{metres}", String(Math.round(position.coords.accuracy || 0))));
        map.setView(point, 17);
      }, function (error) {
        button.removeAttribute("aria-busy");
        status.textContent = error && error.code === 1 ? box.dataset.denied : box.dataset.unavailable;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    node.leafletMap = map;  // for the page's tests
    node.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".map[data-source]").forEach(start);
    document.querySelectorAll("[data-point-picker]").forEach(picker);
  });
})();
