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
    return Array.prototype.map.call(track.querySelectorAll("[data-p]"), function (figure) {
      var cls = ["real", "uncertain", "fake"].filter(function (c) { return figure.classList.contains(c); })[0];
      return { t: parseFloat(figure.dataset.t), p: parseFloat(figure.dataset.p), cls: cls || "uncertain" };
    });
  }

  function render(box, data, threshold) {
    var W = Math.max(280, box.clientWidth || 720);  // drawn at the box's own width: text stays legible
    var t0 = data[0].t, t1 = data[data.length - 1].t;
    var span = t1 - t0 || 1;
    var x = function (t) { return PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right); };
    var y = function (p) { return PAD.top + (1 - p) * (H - PAD.top - PAD.bottom); };
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, "font-size": "11", "font-family": "system-ui, sans-serif" });
    [0, 0.5, 1].forEach(function (p) {
      svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(p), y2: y(p), stroke: "#e3e6ec" }));
      svg.appendChild(el("text", { x: PAD.left - 6, y: y(p) + 4, "text-anchor": "end", fill: "#5d6678" }, Math.round(p * 100) + "%"));
    });
    svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: y(threshold), y2: y(threshold), stroke: "#8a93a6", "stroke-dasharray": "4 4" }));
    svg.appendChild(el("text", { x: PAD.left, y: H - 8, fill: "#5d6678" }, t0.toFixed(1) + " s"));
    svg.appendChild(el("text", { x: W - PAD.right, y: H - 8, "text-anchor": "end", fill: "#5d6678" }, t1.toFixed(1) + " s"));
    var path = data.map(function (d, i) { return (i ? "L" : "M") + x(d.t).toFixed(1) + " " + y(d.p).toFixed(1); }).join(" ");
    svg.appendChild(el("path", { d: path, fill: "none", stroke: "#2f5bd3", "stroke-width": "2", "vector-effect": "non-scaling-stroke" }));
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
