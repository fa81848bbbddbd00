/* МСОКО: charts from JSON options, htmx glue, and the small behaviours templates ask for with
   data- attributes (the Content Security Policy allows no inline script or onclick=). */
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
    sizeCharts(root);
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

  // <select data-autosubmit>: choosing a value submits its form (year pickers).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  // <form data-confirm="Вопрос?">: asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);
  // A chart's height comes from data-height (no style attribute in the page).
  function sizeCharts(root) {
    if (!root || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-height]").forEach(function (el) {
      el.style.height = el.getAttribute("data-height");
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
