// Mines on the Jilin map (ECharts, offline). Data come from the page's data-* attributes.
(function () {
  "use strict";
  var el = document.getElementById("mine-map");
  if (!el || !window.echarts) { return; }
  var colours = { inspection: "#d63939", campaign: "#f76707", watch: "#206bc4", out: "#9aa0ac" };
  var chart = window.echarts.init(el);
  function json(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  Promise.all([json(el.dataset.geo), json(el.dataset.points)]).then(function (res) {
    window.echarts.registerMap("jilin", res[0]);
    var data = res[1];
    var order = ["inspection", "campaign", "watch", "out"];
    var series = order.map(function (g) {
      return {
        name: data.groups[g],
        type: "scatter",
        coordinateSystem: "geo",
        symbolSize: 9,
        itemStyle: { color: colours[g] },
        data: data.points.filter(function (p) { return p.group === g; }),
      };
    });
    chart.setOption({
      title: {
        text: el.dataset.title,
        subtext: data.without_coordinates ? data.without_coordinates + " " + el.dataset.missing : "",
        left: "center",
      },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          if (!d.code) { return p.name; }
          var esc = function (s) { var t = document.createElement("span"); t.textContent = s; return t.innerHTML; };
          return esc(d.name) + "<br>" + esc(d.code) + " · " + esc(d.county) + "<br>" + esc(d.kind) + " · " + esc(d.status);
        },
      },
      legend: { bottom: 0, data: order.map(function (g) { return data.groups[g]; }) },
      geo: {
        map: "jilin",
        roam: true,
        label: { show: true, color: "#667382", fontSize: 11 },
        itemStyle: { areaColor: "#f1f5f9", borderColor: "#94a3b8" },
        emphasis: { itemStyle: { areaColor: "#e2e8f0" } },
      },
      series: series,
    });
    chart.on("click", function (p) {
      if (p.data && p.data.url) { window.location.href = p.data.url; }
    });
  }).catch(function () {
    el.textContent = el.dataset.error;
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
