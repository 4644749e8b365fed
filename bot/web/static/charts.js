/* Draws the weekly trend chart from the JSON beside it. The same numbers are in the table under
   the chart: without this script (or Chart.js) nothing is lost. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  var canvas = document.getElementById("trend-chart");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colors = ["#1f6f43", "#b3541e", "#3a5a9b", "#7a4b94", "#8a6d00"];
  window.Chart.defaults.font.size = 15;
  window.Chart.defaults.color = "#1b1b1b";
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, index) {
        return { label: series.label, data: series.data, backgroundColor: colors[index % colors.length] };
      })
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
