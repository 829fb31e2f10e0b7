/* runbookkit: sort and filter the catalog, open the run a link points at. No dependencies.
 *
 * The catalog's state lives in the URL's fragment (#sort=severity&order=desc&tag=redis&q=oom),
 * so a filtered, sorted view can be linked to and comes back on reload. */
(function () {
  "use strict";

  function slug(text) {
    return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function readState() {
    var state = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var cut = part.indexOf("=");
      if (cut > 0) {
        state[decodeURIComponent(part.slice(0, cut))] = decodeURIComponent(part.slice(cut + 1));
      }
    });
    return state;
  }

  function writeState(state) {
    var parts = [];
    ["sort", "order", "tag", "q"].forEach(function (key) {
      if (state[key]) {
        parts.push(key + "=" + encodeURIComponent(state[key]));
      }
    });
    var url = location.pathname + location.search + (parts.length ? "#" + parts.join("&") : "");
    history.replaceState(null, "", url);
  }

  function catalog(table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var root = table.closest(".rbk-catalog").previousElementSibling;
    var filter = root && root.querySelector(".rbk-filter");
    var tag = root && root.querySelector(".rbk-tag");
    var shown = root && root.querySelector(".rbk-shown");
    var state = readState();

    function key(row, index, numeric) {
      var value = row.cells[index].getAttribute("data-sort") || "";
      if (!numeric) {
        return value.toLowerCase();
      }
      return value === "" ? Infinity : parseFloat(value);
    }

    function sort() {
      var index = heads.findIndex(function (th) { return slug(th.textContent) === state.sort; });
      heads.forEach(function (th) { th.setAttribute("aria-sort", "none"); });
      if (index < 0) {
        return;
      }
      var numeric = heads[index].getAttribute("data-sort-type") === "num";
      var sign = state.order === "desc" ? -1 : 1;
      var ordered = rows.map(function (row, at) { return [key(row, index, numeric), at, row]; });
      ordered.sort(function (a, b) {
        if (a[0] < b[0]) { return -sign; }
        if (a[0] > b[0]) { return sign; }
        return a[1] - b[1];
      });
      ordered.forEach(function (item) { body.appendChild(item[2]); });
      heads[index].setAttribute("aria-sort", sign > 0 ? "ascending" : "descending");
    }

    function show() {
      var words = (state.q || "").toLowerCase();
      var count = 0;
      rows.forEach(function (row) {
        var tags = JSON.parse(row.getAttribute("data-tags") || "[]");
        var hit = (!state.tag || tags.indexOf(state.tag) >= 0) &&
          (!words || row.textContent.toLowerCase().indexOf(words) >= 0);
        row.hidden = !hit;
        count += hit ? 1 : 0;
      });
      if (shown) {
        shown.textContent = count + " of " + rows.length + " shown";
      }
    }

    heads.forEach(function (th) {
      var button = th.querySelector("button") || th;
      button.addEventListener("click", function () {
        var name = slug(th.textContent);
        state.order = state.sort === name && state.order !== "desc" ? "desc" : "asc";
        state.sort = name;
        sort();
        writeState(state);
      });
    });
    if (filter) {
      filter.value = state.q || "";
      filter.addEventListener("input", function () {
        state.q = filter.value;
        show();
        writeState(state);
      });
    }
    if (tag) {
      tag.value = state.tag || "";
      tag.addEventListener("change", function () {
        state.tag = tag.value;
        show();
        writeState(state);
      });
    }
    sort();
    show();
  }

  function openTarget() {
    var id = decodeURIComponent(location.hash.replace(/^#/, ""));
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.rbk-sortable"), catalog);
    openTarget();
    window.addEventListener("hashchange", openTarget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
