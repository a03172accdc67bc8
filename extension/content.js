// Injected into the page only when the user clicks the DeepTrace button (activeTab). Lists the page's
// videos, records one with captureStream() + MediaRecorder, and draws the overlay with the verdict.
// It never sees the API token: the service worker uploads what this script records.

(() => {
  if (globalThis.__deeptraceContent) return; // injected once per page, however often the popup opens
  globalThis.__deeptraceContent = true;

  const CHUNK_BYTES = 512 * 1024;
  const videos = new Map(); // key -> <video>
  const keys = new WeakMap(); // <video> -> key
  const overlays = new Map(); // key -> overlay element
  let nextKey = 1;

  const BLOCKED = {
    cross_origin:
      "This site does not let extensions read this video: it is served from another site without " +
      "permission (CORS). DeepTrace can record the visible tab instead.",
    drm:
      "This video is copy-protected (DRM), so the browser does not let extensions read it. Recording " +
      "the visible tab usually gives a black picture for such videos, but you can try.",
  };

  function keyFor(video) {
    if (!keys.has(video)) {
      keys.set(video, nextKey);
      videos.set(nextKey, video);
      nextKey += 1;
    }
    return keys.get(video);
  }

  function likelyBlocked(video) {
    if (video.mediaKeys) return "drm";
    const src = video.currentSrc || video.src;
    if (!src || src.startsWith("blob:") || src.startsWith("data:") || video.crossOrigin != null) return "";
    try {
      return new URL(src, location.href).origin === location.origin ? "" : "cross_origin";
    } catch {
      return "";
    }
  }

  function describe(video) {
    const rect = video.getBoundingClientRect();
    return {
      key: keyFor(video),
      width: Math.round(rect.width),
      height: Math.round(rect.height),
      videoWidth: video.videoWidth,
      videoHeight: video.videoHeight,
      duration: Number.isFinite(video.duration) ? video.duration : null, // Infinity for live streams
      currentTime: video.currentTime,
      playing: !video.paused && !video.ended && video.readyState > 2,
      label: video.title || video.getAttribute("aria-label") || fileName(video.currentSrc || video.src),
      blocked: likelyBlocked(video),
    };
  }

  function fileName(src) {
    if (!src || src.startsWith("blob:")) return "";
    try {
      return decodeURIComponent(new URL(src, location.href).pathname.split("/").pop() || "");
    } catch {
      return "";
    }
  }

  function listVideos() {
    const found = [...document.querySelectorAll("video")].map(describe);
    found.sort((a, b) => b.width * b.height - a.width * a.height);
    return { ok: true, videos: found, url: location.href };
  }

  // ---- recording ------------------------------------------------------------------------------------

  function refuse(code, message) {
    return { ok: false, code, message };
  }

  function pickMimeType() {
    const wanted = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];
    return wanted.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  }

  function captureTracks(video) {
    if (video.mediaKeys) return refuse("drm", BLOCKED.drm);
    let stream;
    try {
      stream = (video.captureStream || video.mozCaptureStream).call(video);
    } catch (error) {
      if (error.name === "SecurityError") return refuse("cross_origin", BLOCKED.cross_origin);
      if (/EME|protected/i.test(error.message)) return refuse("drm", BLOCKED.drm);
      return refuse("capture_failed", `The browser could not read this video (${error.message}).`);
    }
    const tracks = stream.getVideoTracks();
    if (!tracks.length) {
      return refuse("no_picture", "The video has no picture yet. Start playing it, then try again.");
    }
    return { ok: true, tracks };
  }

  async function record({ jobId, key, seconds }) {
    const video = videos.get(key);
    if (!video || !video.isConnected) {
      return refuse("gone", "That video is no longer on the page. Open the DeepTrace popup again.");
    }
    if (video.readyState < 2) {
      return refuse("not_loaded", "The video has not loaded yet. Start playing it, then try again.");
    }
    const captured = captureTracks(video);
    if (!captured.ok) return captured;
    if (video.paused) {
      try {
        await video.play();
      } catch {
        return refuse("not_playing",
          "The video is paused and the page would not let it play. Press play, then try again.");
      }
    }
    const mimeType = pickMimeType();
    const recorder = new MediaRecorder(new MediaStream(captured.tracks), mimeType ? { mimeType } : {});
    runRecorder(recorder, video, Math.min(30, Math.max(3, seconds)), jobId, key);
    return { ok: true, mimeType: recorder.mimeType };
  }

  function runRecorder(recorder, video, seconds, jobId, key) {
    const parts = [];
    const started = performance.now();
    const stop = () => recorder.state !== "inactive" && recorder.stop();
    recorder.ondataavailable = (event) => event.data.size && parts.push(event.data);
    recorder.onstop = () => {
      video.removeEventListener("ended", stop);
      const blob = new Blob(parts, { type: recorder.mimeType || "video/webm" });
      const elapsed = (performance.now() - started) / 1000;
      if (!blob.size || elapsed < 1) {
        finish(jobId, null,
          "The video did not play during the recording, so nothing was captured. Press play and try again.");
      } else {
        finish(jobId, blob, "");
      }
    };
    video.addEventListener("ended", stop); // a clip shorter than the capture length ends it early
    recorder.start(1000);
    showOverlay(key, { kind: "working", message: `Recording ${seconds} s…` });
    setTimeout(stop, seconds * 1000);
  }

  async function finish(jobId, blob, error) {
    if (error) {
      await chrome.runtime.sendMessage({ type: "capture-done", jobId, error });
      return;
    }
    const bytes = new Uint8Array(await blob.arrayBuffer());
    for (let index = 0, start = 0; start < bytes.length; index += 1, start += CHUNK_BYTES) {
      const data = toBase64(bytes.subarray(start, start + CHUNK_BYTES));
      await chrome.runtime.sendMessage({ type: "capture-chunk", jobId, index, data });
    }
    await chrome.runtime.sendMessage({ type: "capture-done", jobId, mimeType: blob.type });
  }

  function toBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  // The rectangle the tab recorder crops to, in CSS pixels of the viewport. Our own overlay is hidden
  // first so it does not end up in the recording.
  function videoRect(key) {
    const video = videos.get(key);
    hideOverlay(key);
    if (!video) return null;
    const rect = video.getBoundingClientRect();
    return {
      x: rect.left, y: rect.top, width: rect.width, height: rect.height,
      viewportWidth: window.innerWidth, viewportHeight: window.innerHeight, pixelRatio: window.devicePixelRatio || 1,
    };
  }

  // ---- overlay ---------------------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function overlayBody(view) {
    const body = element("div", "deeptrace-body");
    if (view.kind === "result") {
      body.append(element("div", `deeptrace-verdict deeptrace-verdict-${view.verdict}`, view.label));
      const details = view.note ||
        `${view.confidence}% confidence · ${view.framesAnalysed} frames analysed`;
      body.append(element("div", "deeptrace-details", details));
      const link = element("a", "deeptrace-link", "Full result ↗");
      link.href = view.resultPage;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      body.append(link);
    } else {
      body.append(element("div", `deeptrace-message deeptrace-${view.kind}`, view.message));
    }
    return body;
  }

  function showOverlay(key, view) {
    const video = videos.get(key);
    if (!video) return;
    let box = overlays.get(key);
    if (!box) {
      box = element("div", "deeptrace-overlay");
      box.setAttribute("role", "status");
      overlays.set(key, box);
    }
    const close = element("button", "deeptrace-close", "×");
    close.title = "Close";
    close.addEventListener("click", () => hideOverlay(key));
    const brand = element("div", "deeptrace-brand", "DeepTrace");
    box.replaceChildren(close, brand, overlayBody(view));
    box.dataset.kind = view.kind;
    place(box, video);
  }

  function hideOverlay(key) {
    const box = overlays.get(key);
    if (box) box.remove();
    overlays.delete(key);
  }

  function place(box, video) {
    const host = document.fullscreenElement || document.documentElement;
    if (box.parentNode !== host) host.append(box);
    const rect = video.getBoundingClientRect();
    box.style.setProperty("top", `${Math.max(0, rect.top) + 8}px`, "important");
    box.style.setProperty("left", `${Math.max(0, rect.left) + 8}px`, "important");
  }

  function placeAll() {
    for (const [key, box] of overlays) {
      const video = videos.get(key);
      if (video && video.isConnected) place(box, video);
      else hideOverlay(key);
    }
  }

  addEventListener("scroll", placeAll, { capture: true, passive: true });
  addEventListener("resize", placeAll, { passive: true });
  document.addEventListener("fullscreenchange", placeAll);
  setInterval(placeAll, 500); // players move videos without scrolling (theatre mode, layout changes)

  chrome.runtime.onMessage.addListener((message, sender, reply) => {
    switch (message && message.type) {
      case "ping":
        reply(true);
        return false;
      case "list-videos":
        reply(listVideos());
        return false;
      case "video-rect":
        reply(videoRect(message.key));
        return false;
      case "overlay":
        showOverlay(message.key, message.view);
        reply(true);
        return false;
      case "record":
        record(message).then(reply, (error) => reply(refuse("capture_failed", error.message)));
        return true;
      default:
        return false;
    }
  });
})();
