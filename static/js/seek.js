// Relates the evidence to the video: a click on anything with data-seek (a face crop, a chart point,
// a timeline mark) moves the page's player ([data-player]) to that moment. Also places the timeline
// marks under the player and moves its playhead. One document-level listener, so content swapped in
// by result.js works without re-binding.
(function () {
  "use strict";
  if (window.DeepTraceSeek) { window.DeepTraceSeek.layout(document); return; }

  function player() { return document.querySelector("video[data-player]"); }

  function duration(video) {
    if (video && isFinite(video.duration) && video.duration > 0) return video.duration;
    return video ? parseFloat(video.dataset.duration) || 0 : 0;
  }

  function seek(seconds) {
    var video = player();
    if (!video) return;
    video.currentTime = seconds;
    video.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function layout(root) {
    var video = player();
    var total = duration(video);
    var marks = (root || document).querySelectorAll(".timeline-mark");
    Array.prototype.forEach.call(marks, function (mark) {
      var t = parseFloat(mark.dataset.seek);
      mark.style.left = total ? Math.min(100, (t / total) * 100) + "%" : "0%";
      mark.hidden = !total;
    });
    if (video && !video.dataset.seekBound) {
      video.dataset.seekBound = "1";
      video.addEventListener("loadedmetadata", function () { layout(document); });
      video.addEventListener("timeupdate", playhead);
    }
  }

  function playhead() {
    var video = player();
    var head = document.querySelector(".timeline-head");
    var total = duration(video);
    if (head && total) head.style.left = Math.min(100, (video.currentTime / total) * 100) + "%";
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (!target || !player()) return;
    event.preventDefault();
    seek(parseFloat(target.getAttribute("data-seek")));
  });

  window.DeepTraceSeek = { layout: layout, seek: seek };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { layout(document); });
  else layout(document);
})();
