// The tab recorder: MV3 service workers cannot hold a MediaStream, so the visible tab is recorded in
// this offscreen document from the stream id the service worker got from chrome.tabCapture. Frames
// are cropped to the chosen video's rectangle when the browser offers the frame-level API for it.

import { sendBlob } from "./chunks.js";

const MIN_CROP_PX = 64; // smaller than this, cropping would leave no usable face

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  if (!message || message.target !== "offscreen" || message.type !== "record-tab") return false;
  recordTab(message).catch((error) =>
    chrome.runtime.sendMessage({
      type: "capture-done",
      jobId: message.jobId,
      error: `Recording the tab failed (${error.message}). Reload the page and try again.`,
    }),
  );
  reply(true);
  return false;
});

async function recordTab({ jobId, streamId, crop, seconds }) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { mandatory: { chromeMediaSource: "tab", chromeMediaSourceId: streamId, ...fullSize(crop) } },
  });
  const [track] = stream.getVideoTracks();
  const output = crop ? cropped(track, crop) : track;
  const mimeType = ["video/webm;codecs=vp9", "video/webm;codecs=vp8"].find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(new MediaStream([output]), mimeType ? { mimeType } : {});
  const parts = [];
  recorder.ondataavailable = (event) => event.data.size && parts.push(event.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(1000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  recorder.stop();
  await stopped;
  track.stop();
  output.stop();
  await sendBlob(jobId, new Blob(parts, { type: recorder.mimeType || "video/webm" }));
}

// Tab capture scales the tab down by default; ask for the page's real pixels so faces keep their detail.
function fullSize(crop) {
  if (!crop) return { maxWidth: 1920, maxHeight: 1080 };
  return {
    maxWidth: Math.round(crop.viewportWidth * crop.pixelRatio),
    maxHeight: Math.round(crop.viewportHeight * crop.pixelRatio),
  };
}

/** A track that carries only the video's rectangle of each tab frame (or the whole frame as a fallback). */
function cropped(track, crop) {
  if (!("MediaStreamTrackProcessor" in self) || !("MediaStreamTrackGenerator" in self)) return track;
  const processor = new MediaStreamTrackProcessor({ track });
  const generator = new MediaStreamTrackGenerator({ kind: "video" });
  const transformer = new TransformStream({
    transform(frame, controller) {
      const rect = cropRect(frame, crop);
      if (!rect) {
        controller.enqueue(frame);
        return;
      }
      try {
        const size = { displayWidth: rect.width, displayHeight: rect.height };
        controller.enqueue(new VideoFrame(frame, { visibleRect: rect, ...size }));
      } finally {
        frame.close();
      }
    },
  });
  processor.readable.pipeThrough(transformer).pipeTo(generator.writable).catch(() => {});
  return generator;
}

/** The video's rectangle in frame pixels: the tab frame is the viewport, scaled. Even numbers, for I420. */
export function cropRect(frame, crop) {
  const source = frame.visibleRect || { x: 0, y: 0, width: frame.codedWidth, height: frame.codedHeight };
  const scale = source.width / crop.viewportWidth;
  const even = (value) => Math.max(0, Math.floor(value / 2) * 2);
  const x = even(Math.max(0, crop.x) * scale);
  const y = even(Math.max(0, crop.y) * scale);
  const width = even(Math.min(source.width - x, (crop.width + Math.min(0, crop.x)) * scale));
  const height = even(Math.min(source.height - y, (crop.height + Math.min(0, crop.y)) * scale));
  if (width < MIN_CROP_PX || height < MIN_CROP_PX) return null;
  return { x: source.x + x, y: source.y + y, width, height };
}
