// Volt: a session's power and energy chart (uPlot), drawn from the meter
// values the page carries in data-curve (volt.SessionCurve as JSON). Shared
// by the Admin Portal's session page and the Driver Web App's.
(function () {
  "use strict";
  function kw(v) { return v == null ? null : v / 1000; }
  function draw(el) {
    if (typeof uPlot === "undefined") return;
    var c = JSON.parse(el.dataset.curve);
    var data = [c.at, c.powerW.map(kw), c.energyWh.map(kw)];
    var series = [{},
      { label: "Power (kW)", stroke: "#0b6e4f", width: 2, scale: "kW", spanGaps: true },
      { label: "Energy (kWh)", stroke: "#1f4e9c", width: 2, scale: "kWh", spanGaps: true }];
    var axes = [{}, { scale: "kW", label: "kW" }, { scale: "kWh", label: "kWh", side: 1, grid: { show: false } }];
    if (c.hasSoc) {
      data.push(c.soc);
      series.push({ label: "SoC (%)", stroke: "#9a6700", width: 2, dash: [6, 4], scale: "%", spanGaps: true });
      axes.push({ scale: "%", label: "%", side: 1, grid: { show: false } });
    }
    var width = function () { return Math.max(280, el.clientWidth || 600); };
    var plot = new uPlot({ width: width(), height: 280, series: series, axes: axes,
      scales: { x: { time: true }, "%": { range: [0, 100] } } }, data, el);
    el.dataset.drawn = String(c.at.length);
    window.addEventListener("resize", function () { plot.setSize({ width: width(), height: 280 }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-curve]").forEach(draw);
  });
})();
