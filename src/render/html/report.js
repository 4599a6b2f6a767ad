// Interactivity of the Faultline HTML report: sortable tables, the event-log filters, and the
// contagion graph's node panel. The page reads fully without it.
(function () {
  "use strict";
  // Sortable tables: each header holds a button; cells carry their raw value in data-v.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
          var nx = parseFloat(x), ny = parseFloat(y), r;
          if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; } else { r = String(x).localeCompare(String(y)); }
          return asc ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  // The event log's filters: by entity, by kind, and whether no-change ticks show.
  var log = document.getElementById("log");
  if (log) {
    var entity = document.getElementById("f-entity");
    var kind = document.getElementById("f-kind");
    var ticks = document.getElementById("f-ticks");
    var count = document.getElementById("f-count");
    var apply = function () {
      var shown = 0;
      log.querySelectorAll("tbody tr").forEach(function (row) {
        var ok = (!entity.value || row.getAttribute("data-entity") === entity.value)
          && (!kind.value || row.getAttribute("data-kind") === kind.value)
          && (ticks.checked || row.getAttribute("data-tick") !== "1");
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " shown";
    };
    [entity, kind, ticks].forEach(function (el) { el.addEventListener("change", apply); });
    apply();
    // Following a cause to a row the filters hide clears the filters.
    window.addEventListener("hashchange", function () {
      var target = document.getElementById(location.hash.slice(1));
      if (target && target.hidden) {
        entity.value = ""; kind.value = ""; ticks.checked = true; apply();
        target.scrollIntoView();
      }
    });
  }

  // The contagion graph: a node shows its entity's events (with causes) in the panel.
  var panel = document.getElementById("node-panel");
  if (panel) {
    var select = function (node) {
      document.querySelectorAll("svg .node.selected").forEach(function (n) { n.classList.remove("selected"); });
      node.classList.add("selected");
      var source = document.getElementById(node.getAttribute("data-events"));
      panel.textContent = "";
      if (source) {
        var title = document.createElement("h3");
        title.textContent = source.getAttribute("data-title");
        panel.appendChild(title);
        var list = source.querySelector("ol, ul");
        if (list) { panel.appendChild(list.cloneNode(true)); }
      }
    };
    document.querySelectorAll("svg .node[data-events]").forEach(function (node) {
      node.addEventListener("click", function (e) { e.preventDefault(); select(node); });
      node.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(node); }
      });
    });
  }
  window.__faultline.ready = true;
  document.documentElement.setAttribute("data-ready", "1");
})();
