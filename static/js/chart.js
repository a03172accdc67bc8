// A tiny line chart in inline SVG: fake probability per frame, with the decision threshold dashed.
// Reads the crops' data-t (seconds) and data-p (probability) inside each .evidence-track.
(function () {
  "use strict";
  if (window.DeepTraceChart) { window.DeepTraceChart.renderAll(document); return; }

  var NS = "http://www.w3.org/2000/svg";
  var H = 160, PAD = { left: 40, right: 12, top: 10, bottom: 26 };
  var COLOURS = { real: "#1f7a4d", uncertain: "#a86b00", fake: "#b3261e" };

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function points(track) {
    // The crops come most suspicious first (and some behind "Show all"); the chart runs in time order.
    return Array.prototype.map.call(track.querySelectorAll("[data-p]"), function (figure) {
      var cls = ["real", "uncertain", "fake"].filter(function (c) { return figure.classList.contains(c); })[0];
      return { t: parseFloat(figure.dataset.t), p: parseFloat(figure.dataset.p), cls: cls || "uncertain" };
    }).sort(function (a, b) { return a.t - b.t; });
  }

  function timeTicks(t0, t1, width) {
    // About one label per 90 px, at round steps (0.1, 0.2, 0.5, 1, 2, 5 ... seconds).
    var span = t1 - t0;
    if (span <= 0) return [t0];
    var want = Math.max(2, Math.floor(width / 90));
    var raw = span / want, magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * magnitude; }).filter(function (s) { return s >= raw; })[0];
    var ticks = [];
    for (var t = Math.ceil(t0 / step) * step; t <= t1 + step * 1e-6; t += step) ticks.push(Math.round(t / step) * step);
    return ticks;
  }

  function render(box, data, threshold) {
    var W = Math.max(280, box.clientWidth || 720);  // drawn at the box's own width: it fills it, text stays legible
    var t0 = data[0].t, t1 = data[data.length - 1].t;
    var span = t1 - t0 || 1;
    var x = function (t) { return PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right); };
    var y = function (p) { return PAD.top + (1 - p) * (H - PAD.top - PAD.bottom); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, "font-size": "11", "font-family": "system-ui, sans-serif" });
    [0, 0.5, 1].forEach(function (p) {
      svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(p), y2: y(p), stroke: "#e3e6ec" }));
      svg.appendChild(el("text", { x: PAD.left - 6, y: y(p) + 4, "text-anchor": "end", fill: "#5d6678" }, Math.round(p * 100) + "%"));
    });
    var ticks = timeTicks(t0, t1, W - PAD.left - PAD.right);
    var digits = ticks.length > 1 && ticks[1] - ticks[0] < 1 ? 1 : 0;
    ticks.forEach(function (t, i) {
      var anchor = ticks.length === 1 ? "start" : i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle";
      svg.appendChild(el("line", { x1: x(t), x2: x(t), y1: H - PAD.bottom, y2: H - PAD.bottom + 4, stroke: "#8a93a6" }));
      svg.appendChild(el("text", { x: x(t), y: H - 8, "text-anchor": anchor, fill: "#5d6678", "class": "chart-time" },
        t.toFixed(digits) + " s"));
    });
    var path = data.map(function (d, i) { return (i ? "L" : "M") + x(d.t).toFixed(1) + " " + y(d.p).toFixed(1); }).join(" ");
    svg.appendChild(el("path", { d: path, fill: "none", stroke: "#2f5bd3", "stroke-width": "2", "vector-effect": "non-scaling-stroke" }));
    // The threshold over the line (a score sitting on it must not hide it), under the points, labelled.
    svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(threshold), y2: y(threshold), stroke: "#1c2230",
      "stroke-width": "1.5", "stroke-dasharray": "6 4", "class": "chart-threshold" }));
    svg.appendChild(el("text", { x: W - PAD.right, y: y(threshold) - 4, "text-anchor": "end", fill: "#1c2230",
      "paint-order": "stroke", stroke: "#fff", "stroke-width": "3" }, "threshold " + Math.round(threshold * 100) + "%"));
    data.forEach(function (d) {
      // data-seek: seek.js moves the page's player to this moment when the point is clicked.
      var dot = el("circle", { cx: x(d.t), cy: y(d.p), r: 4.5, fill: COLOURS[d.cls], "data-seek": d.t });
      dot.appendChild(el("title", {}, d.t.toFixed(1) + " s: " + Math.round(d.p * 100) + "% fake"));
      svg.appendChild(dot);
    });
    box.textContent = "";
    box.appendChild(svg);
  }

  function renderAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".evidence"), function (evidence) {
      var threshold = parseFloat(evidence.dataset.threshold) || 0.5;
      Array.prototype.forEach.call(evidence.querySelectorAll(".evidence-track"), function (track) {
        var box = track.querySelector(".evidence-chart");
        var data = points(track);
        if (box && data.length && !box.firstChild) render(box, data, threshold);
      });
    });
  }

  window.DeepTraceChart = { renderAll: renderAll };
  renderAll(document);
})();
