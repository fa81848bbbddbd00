/* МСОКО: charts from JSON options (no inline scripts) and htmx glue. */
(function () {
  "use strict";

  var numberFormat = new Intl.NumberFormat("ru-RU", { maximumFractionDigits: 2 });

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined || value === "-") { return "—"; }
      return numberFormat.format(value) + (unit ? "\u00a0" + unit : "");
    };
  }

  function initCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var option = JSON.parse(source.textContent);
      var unit = (option.msoko && option.msoko.unit) || "";
      delete option.msoko;
      option.tooltip = option.tooltip || {};
      option.tooltip.valueFormatter = formatter(unit);
      ["xAxis", "yAxis"].forEach(function (axis) {
        if (option[axis] && option[axis].type === "value") {
          option[axis].axisLabel = option[axis].axisLabel || {};
          option[axis].axisLabel.formatter = formatter(unit);
        }
      });
      var previous = window.echarts.getInstanceByDom(el);
      if (previous) { previous.dispose(); }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.setAttribute("data-chart-ready", "true");
    });
  }

  function resizeCharts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart-ready]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initCharts(event.detail.target); });
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeCharts, 150);
  });
})();
