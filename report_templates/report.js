// Sorting and filtering for the report's data tables. The report is one file that loads nothing: this
// script is inline and allowed by the page's Content-Security-Policy through its hash only.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent || "").trim() : "";
  }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) === a && String(y) === b) return x - y;
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: "base"});
  }
  function bodyRows(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows).filter(function (row) {
      return !row.classList.contains("empty");
    });
  }
  function applyFilter(table) {
    var box = document.querySelector('.filter input[data-table="' + table.id + '"]');
    var phase = document.querySelector('.filter select[data-table="' + table.id + '"]');
    var words = box ? box.value.toLowerCase().trim().split(/\s+/).filter(Boolean) : [];
    var wanted = phase ? phase.value : "";
    var shown = 0;
    bodyRows(table).forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var phases = (row.getAttribute("data-phases") || "").split(" ");
      var visible = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        (!wanted || phases.indexOf(wanted) !== -1);
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    var count = document.querySelector('.filter output[data-table="' + table.id + '"]');
    if (count) count.textContent = shown + " of " + bodyRows(table).length;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      header.setAttribute("tabindex", "0");
      header.setAttribute("aria-sort", "none");
      function sort() {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.setAttribute("aria-sort", "none"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = bodyRows(table).sort(function (a, b) {
          var order = compare(cellValue(a, index), cellValue(b, index));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      }
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) { if (event.key === "Enter") sort(); });
    });
    applyFilter(table);
  });
  Array.prototype.forEach.call(document.querySelectorAll(".filter input, .filter select"), function (control) {
    control.addEventListener("input", function () {
      applyFilter(document.getElementById(control.getAttribute("data-table")));
    });
  });
})();
