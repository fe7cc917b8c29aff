/* The data preview's enhancements. Without this file the preview is complete: every section is
 * shown, and each chart's numbers are in the table beneath it. With it: the sections become
 * tabs, charts are drawn with ECharts from the JSON the server embedded, and code snippets get
 * a copy button. New content swapped in by htmx is enhanced the same way. */
(function () {
  "use strict";

  var COLORS = ["#0b4f9c", "#b3261e", "#1d6b3a", "#8a5300", "#6b3fa0", "#00838f"];

  /* Tabs: the tab list is hidden until this script shows it; panels other than the chosen
   * one are then hidden. */
  function setupTabs(root) {
    root.querySelectorAll("[data-tabs]:not([data-ready])").forEach(function (list) {
      list.setAttribute("data-ready", "");
      var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
      var select = function (tab) {
        tabs.forEach(function (other) {
          var on = other === tab;
          other.setAttribute("aria-selected", on ? "true" : "false");
          other.tabIndex = on ? 0 : -1;
          var panel = document.getElementById(other.getAttribute("aria-controls"));
          if (panel) {
            panel.hidden = !on;
            if (on) drawCharts(panel);
          }
        });
      };
      tabs.forEach(function (tab, n) {
        tab.addEventListener("click", function () { select(tab); });
        tab.addEventListener("keydown", function (event) {
          var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
          if (!step) return;
          var next = tabs[(n + step + tabs.length) % tabs.length];
          select(next);
          next.focus();
          event.preventDefault();
        });
      });
      list.hidden = false;
      list.parentNode.classList.add("dt-tabbed");
      /* A shared chart opens on the charts tab; a link to a panel opens that panel. */
      var wanted = list.getAttribute("data-active");
      var chosen = tabs.filter(function (tab) {
        var panel = tab.getAttribute("aria-controls");
        return (wanted && panel.slice(-wanted.length - 1) === "-" + wanted) ||
          location.hash === "#" + panel;
      })[0];
      select(chosen || tabs[0]);
    });
  }

  /* Web Mercator tile numbers and corners, for a scatter over a deployment's tile service. */
  function tileX(lng, z) { return Math.floor((lng + 180) / 360 * Math.pow(2, z)); }
  function tileY(lat, z) {
    var rad = lat * Math.PI / 180;
    return Math.floor((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2 * Math.pow(2, z));
  }
  function tileLng(x, z) { return x / Math.pow(2, z) * 360 - 180; }
  function tileLat(y, z) {
    var n = Math.PI - 2 * Math.PI * y / Math.pow(2, z);
    return 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)));
  }

  /* The tiles covering the points' extent at the deepest zoom that needs at most 16 tiles. */
  function tilesFor(points) {
    var lngs = points.map(function (p) { return p[0]; });
    var lats = points.map(function (p) { return Math.max(-85, Math.min(85, p[1])); });
    var w = Math.min.apply(null, lngs), e = Math.max.apply(null, lngs);
    var s = Math.min.apply(null, lats), n = Math.max.apply(null, lats);
    for (var z = 18; z >= 1; z--) {
      var x0 = tileX(w, z), x1 = tileX(e, z), y0 = tileY(n, z), y1 = tileY(s, z);
      if ((x1 - x0 + 1) * (y1 - y0 + 1) <= 16 || z === 1) {
        var tiles = [];
        for (var x = x0; x <= x1; x++) for (var y = y0; y <= y1; y++) tiles.push([x, y, z]);
        return {
          tiles: tiles,
          extent: [tileLng(x0, z), tileLng(x1 + 1, z), tileLat(y1 + 1, z), tileLat(y0, z)]
        };
      }
    }
  }

  function tileSeries(template, cover) {
    return {
      type: "custom",
      silent: true,
      clip: true,
      z: 0,
      data: cover.tiles,
      renderItem: function (params, api) {
        var x = api.value(0), y = api.value(1), z = api.value(2);
        var a = api.coord([tileLng(x, z), tileLat(y, z)]);
        var b = api.coord([tileLng(x + 1, z), tileLat(y + 1, z)]);
        var url = template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
        return {
          type: "image",
          style: { image: url, x: a[0], y: a[1], width: b[0] - a[0], height: b[1] - a[1] }
        };
      }
    };
  }

  function option(spec) {
    var base = {
      color: COLORS,
      title: { show: false },
      tooltip: { trigger: spec.kind === "scatter" ? "item" : "axis" },
      grid: { left: 56, right: 20, top: 24, bottom: 56, containLabel: true },
      xAxis: { name: spec.x_label, nameLocation: "middle", nameGap: 32 },
      yAxis: { name: spec.y_label, type: "value" }
    };
    if (spec.kind === "scatter") {
      base.xAxis.type = "value";
      base.xAxis.scale = true;
      base.yAxis.scale = true;
      base.series = [{ type: "scatter", symbolSize: 6, data: spec.points, z: 2 }];
      if (spec.tiles && spec.points.length) {
        var cover = tilesFor(spec.points);
        base.xAxis.min = cover.extent[0];
        base.xAxis.max = cover.extent[1];
        base.yAxis.min = cover.extent[2];
        base.yAxis.max = cover.extent[3];
        base.series.unshift(tileSeries(spec.tiles, cover));
      }
      return base;
    }
    base.xAxis.type = "category";
    base.xAxis.data = spec.points.map(function (p) { return p[0] === null ? "（空）" : String(p[0]); });
    var rotate = spec.points.length > 8 ? 30 : 0;
    base.xAxis.axisLabel = { interval: "auto", rotate: rotate };
    base.xAxis.nameGap = rotate ? 52 : 32;
    base.grid.bottom = rotate ? 72 : 56;
    base.series = [{
      type: spec.kind,
      data: spec.points.map(function (p) { return p[1]; }),
      smooth: spec.kind === "line"
    }];
    return base;
  }

  /* Draw each chart that is visible and not yet drawn (a chart in a hidden tab would get a
   * zero size; it is drawn when its tab opens). */
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]:not([data-drawn])").forEach(function (box) {
      if (box.offsetParent === null) return;
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) return;
      box.setAttribute("data-drawn", "");
      box.classList.add("dt-chart-drawn");
      var chart = window.echarts.init(box);
      chart.setOption(option(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function setupCopy(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]:not([data-ready])").forEach(function (code) {
      code.setAttribute("data-ready", "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dt-copy";
      button.textContent = "复制";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent).then(function () {
          button.textContent = "已复制";
          setTimeout(function () { button.textContent = "复制"; }, 2000);
        });
      });
      code.parentNode.parentNode.insertBefore(button, code.parentNode);
    });
  }

  function enhance(root) {
    setupTabs(root);
    setupCopy(root);
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
