/* Dashboard charts (Chart.js) drawn from the page's #chart-data (json_script); each chart's figures are also
   in a table beside it. */
(function () {
  "use strict";
  var RED = "#c62828", PINK = "#ef9a9a", BLUE = "#1d6fa5", GREY = "#757575";

  var builders = {
    funnel: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [
        { label: d.names.values, data: d.values, backgroundColor: RED },
        { label: d.names.reached, data: d.reached, backgroundColor: PINK }] },
        options: { indexAxis: "y" } };
    },
    recency: function (d) {
      // The labels are long: the table beside the chart is its legend.
      return { type: "doughnut", data: { labels: d.labels, datasets: [
        { data: d.values, backgroundColor: ["#00665e", "#f0b400", "#c0392b"] }] },
        options: { plugins: { legend: { display: false } } } };
    },
    trend: function (d) {
      return { type: "bar", data: { labels: d.labels, datasets: [
        { type: "bar", label: d.names.visits, data: d.visits, backgroundColor: RED, yAxisID: "y" },
        { type: "line", label: d.names.stage_changes, data: d.stage_changes, borderColor: BLUE,
          backgroundColor: BLUE, yAxisID: "y1" }] },
        options: { scales: { y: { beginAtZero: true, position: "left" },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } } };
    },
    workload: function (d) {
      var low = d.labels.map(function () { return d.low; });
      var high = d.labels.map(function () { return d.high; });
      return { type: "bar", data: { labels: d.labels, datasets: [
        { label: d.names.villages, data: d.villages, backgroundColor: RED },
        { label: d.names.cooperatives, data: d.cooperatives, backgroundColor: PINK },
        { type: "line", label: d.names.low, data: low, borderColor: GREY, borderDash: [4, 4], pointRadius: 0 },
        { type: "line", label: d.names.high, data: high, borderColor: GREY, pointRadius: 0 }] },
        options: { scales: { y: { beginAtZero: true } } } };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var name = canvas.dataset.chart;
      if (data[name] && builders[name]) { new Chart(canvas, builders[name](data[name])); }
    });
  });
})();
