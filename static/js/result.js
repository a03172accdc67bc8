// Result page: poll the status JSON every second while the analysis is pending, update the progress,
// and swap in the server-rendered result section when it finishes. Label, percentage and time estimate
// come from one answer (detector.explain.live_state), and are shown together or not at all; "Done" shows
// only once the bar stands at 100 %, and then the result swaps in.
(function () {
  "use strict";
  var POLL_MS = 1000;
  // The server sends its label; these cover an answer without one (an older server).
  var STAGES = { starting: "Starting", downloading: "Downloading the video", provenance: "Reading its provenance",
    loading: "Loading the model", probing: "Reading the video", sampling: "Sampling frames",
    detecting: "Finding faces", scoring: "Scoring faces" };

  function root() { return document.getElementById("analysis"); }

  function describe(data) {
    if (data.label) return data.label;
    if (data.status === "waiting_model") return "Waiting for a model";
    if (data.status === "queued") return "Queued";
    if (data.status === "running") return "Running" + (data.stage ? ": " + (STAGES[data.stage] || data.stage) : "");
    return data.status_label;
  }

  var shown = -1;  // the percentage on screen: a late, stale answer with less is skipped whole
  var attempt = null;  // the worker's run the bar follows (null: none yet, or queued again)

  function show(data) {
    var status = document.getElementById("live-status");
    var bar = document.getElementById("live-bar");
    var percent = document.getElementById("live-percent");
    var eta = document.getElementById("live-eta");
    var progress = data.finished ? 100 : (data.progress || 0);
    // Back to the start: queued again (a retry), or taken over by another worker after the first one
    // died (a later attempt, from 0 %). Anything else with less than the bar shows is stale.
    var requeued = data.status === "queued" || data.status === "waiting_model";
    var run = typeof data.attempt === "number" ? data.attempt : null;
    if (attempt !== null && run !== null && run < attempt && !requeued) return;  // an earlier run's answer
    var restarted = requeued || (attempt !== null && run !== null && run > attempt);
    if (progress < shown && !restarted) return;  // stale: its label would not match the bar
    attempt = requeued ? null : run;
    shown = progress;
    if (data.finished) {
      // Jump to 100 % at once (no glide), so "Done" never sits beside a bar that is still filling.
      if (bar) { bar.style.transition = "none"; bar.style.width = "100%"; }
    } else if (bar) {
      bar.style.width = progress + "%";
    }
    if (percent) percent.textContent = progress + "%";
    if (status) status.textContent = describe(data);
    if (eta) { eta.textContent = data.eta || ""; eta.hidden = !data.eta; }
    var hint = document.getElementById("live-hint");
    if (hint && data.status !== "waiting_model" && root().dataset.status === "waiting_model") {
      hint.textContent = "A model is ready. This page updates by itself.";
    }
  }

  function swapIn() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("analysis");
        if (!fresh) { window.location.reload(); return; }
        root().replaceWith(fresh);
        if (window.DeepTraceChart) window.DeepTraceChart.renderAll(fresh);
        else loadChartScript();
        if (window.DeepTraceSeek) window.DeepTraceSeek.layout(fresh);
      });
  }

  function loadChartScript() {
    // Scripts inside swapped-in HTML do not run; load the chart once by hand.
    var script = document.querySelector("script[src*='chart.js']") ;
    var tag = document.createElement("script");
    tag.src = script ? script.src : "/static/js/chart.js";
    document.body.appendChild(tag);
  }

  function poll() {
    var el = root();
    if (!el || el.dataset.finished === "true") return;
    fetch(el.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) return swapIn();
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 3); });  // a blip: back off and try again
  }

  poll();
})();
