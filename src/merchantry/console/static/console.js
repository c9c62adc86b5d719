// Draws the console's charts with the locally served plotly.js; each chart's data sits in a
// <script type="application/json" data-chart="ID"> element beside its figure.
(function () {
  function draw(root) {
    if (typeof Plotly === "undefined") { return; }
    root.querySelectorAll("script[data-chart]").forEach(function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target || target.getAttribute("data-drawn")) { return; }
      var spec = JSON.parse(node.textContent);
      var colours = ["#1f5fa8", "#b35900"];
      var traces = spec.series
        ? spec.series.map(function (s, i) {
            return { type: "scatter", mode: "lines+markers", name: s.name, x: s.x, y: s.y,
                     line: { color: colours[i % colours.length], dash: i ? "dash" : "solid" } };
          })
        : [spec.kind === "bar"
            ? { type: "bar", x: spec.x, y: spec.y, marker: { color: "#1f5fa8" } }
            : { type: "scatter", mode: "lines+markers", x: spec.x, y: spec.y,
                line: { color: "#1f5fa8" } }];
      Plotly.newPlot(target, traces, {
        margin: { l: 48, r: 16, t: 8, b: 40 }, height: 260, showlegend: !!spec.series,
        legend: { orientation: "h" },
        xaxis: { title: { text: spec.xtitle || "" } },
        yaxis: { title: { text: spec.ytitle || "" } }
      }, { displayModeBar: false, responsive: true });
      target.setAttribute("data-drawn", "1");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
