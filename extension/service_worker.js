// The only place that holds the API token: receives recordings from the page (content.js) or from the
// tab recorder (offscreen.js), uploads them, polls the analysis and reports on the badge, in a
// notification and in the overlay on the video. The popup reads the per-tab job from storage.session.

import * as api from "./api.js";
import { blobFromChunks } from "./chunks.js";

const POLL_INTERVAL_MS = 1500; // the API allows 120 requests a minute per user
const POLL_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_SECONDS = 10;
const captures = new Map(); // jobId -> {tabId, key, parts}; a recording arriving in chunks

const VERDICTS = {
  fake: { label: "Likely fake", badge: "FAKE", color: "#b3261e" },
  real: { label: "Likely real", badge: "REAL", color: "#1e7b34" },
  uncertain: { label: "Uncertain", badge: "??", color: "#8a6d00" },
  no_face: { label: "No face found", badge: "–", color: "#5f6368" },
};

// Content scripts share storage.local by default; keep the token out of every page's reach.
chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});

export async function loadSettings() {
  return chrome.storage.local.get({ serverUrl: "", token: "", seconds: DEFAULT_SECONDS });
}

// ---- per-tab job state (read by the popup) -------------------------------------------------------

async function setJob(tabId, job) {
  await chrome.storage.session.set({ [`job:${tabId}`]: { ...job, updatedAt: Date.now() } });
}

async function setBadge(tabId, text, color = "#1a73e8") {
  await chrome.action.setBadgeBackgroundColor({ tabId, color }).catch(() => {});
  await chrome.action.setBadgeText({ tabId, text }).catch(() => {});
}

function toPage(tabId, message) {
  return chrome.tabs.sendMessage(tabId, message).catch(() => null); // the tab may have navigated away
}

async function fail(capture, message, state = "error", code = "") {
  await setJob(capture.tabId, { jobId: capture.jobId, key: capture.key, state, code, message });
  await setBadge(capture.tabId, "!", "#b3261e");
  if (state === "error") {
    await toPage(capture.tabId, { type: "overlay", key: capture.key, view: { kind: "error", message } });
    notify(`job-${capture.jobId}`, "DeepTrace could not check the video", message);
  }
}

function notify(id, title, message, url = "") {
  chrome.notifications
    .create(id, { type: "basic", iconUrl: "icons/icon128.png", title, message, priority: 1 })
    .catch(() => {}); // notifications may be switched off for the browser; the overlay still shows
  if (url) chrome.storage.session.set({ [`notification:${id}`]: url });
}

chrome.notifications.onClicked.addListener(async (id) => {
  const key = `notification:${id}`;
  const { [key]: url } = await chrome.storage.session.get(key);
  if (url) chrome.tabs.create({ url });
});

// ---- the page: list videos, record one --------------------------------------------------------------

async function ensureContentScript(tabId) {
  const pong = await chrome.tabs.sendMessage(tabId, { type: "ping" }).catch(() => null);
  if (pong) return;
  try {
    await chrome.scripting.insertCSS({ target: { tabId }, files: ["overlay.css"] });
    await chrome.scripting.executeScript({ target: { tabId }, files: ["content.js"] });
  } catch {
    throw new api.ApiError(
      "page_forbidden",
      "DeepTrace cannot read this page. Browser pages and extension stores are off limits, and other " +
        "pages open to it only after you click its toolbar button while the page is showing.",
    );
  }
}

async function listVideos(tabId) {
  await ensureContentScript(tabId);
  return chrome.tabs.sendMessage(tabId, { type: "list-videos" });
}

async function checkVideo({ tabId, key, seconds }) {
  const capture = await startJob(tabId, key, seconds, "page");
  if (!capture) return;
  let reply;
  try {
    await ensureContentScript(tabId);
    reply = await chrome.tabs.sendMessage(tabId, { type: "record", jobId: capture.jobId, key, seconds });
  } catch (error) {
    reply = { ok: false, code: error.code || "", message: error.message };
  }
  if (!reply || !reply.ok) {
    captures.delete(capture.jobId);
    const blocked = reply && ["cross_origin", "drm"].includes(reply.code);
    await fail(capture, reply ? reply.message : "The page did not answer. Reload it and try again.",
      blocked ? "blocked" : "error", reply ? reply.code : "");
  }
}

// ---- the visible tab: tabCapture into the offscreen recorder ------------------------------------------

async function checkTab({ tabId, key, seconds }) {
  const capture = await startJob(tabId, key, seconds, "tab");
  if (!capture) return;
  let streamId;
  try {
    streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tabId });
  } catch (error) {
    captures.delete(capture.jobId);
    await fail(capture, "The browser did not allow recording this tab. Click the DeepTrace button on the " +
      `tab and try again. (${error.message})`);
    return;
  }
  await ensureContentScript(tabId).catch(() => {});
  // The video's rectangle in the viewport, to crop the tab recording to it; null records the whole tab.
  const crop = key == null ? null : await toPage(tabId, { type: "video-rect", key });
  await ensureOffscreen();
  await chrome.runtime.sendMessage({ target: "offscreen", type: "record-tab", jobId: capture.jobId, streamId,
    crop, seconds });
}

async function ensureOffscreen() {
  const existing = await chrome.runtime.getContexts({ contextTypes: ["OFFSCREEN_DOCUMENT"] });
  if (existing.length) return;
  await chrome.offscreen.createDocument({
    url: "offscreen.html",
    reasons: ["USER_MEDIA"],
    justification: "Records the visible tab when the page does not let extensions read its video.",
  });
}

async function closeOffscreen() {
  await chrome.offscreen.closeDocument().catch(() => {});
}

// ---- shared: job start, receiving chunks, upload and polling ---------------------------------------

async function startJob(tabId, key, seconds, source) {
  const settings = await loadSettings();
  const jobId = crypto.randomUUID();
  const capture = { jobId, tabId, key, source, parts: [] };
  if (!api.normaliseServer(settings.serverUrl) || !settings.token) {
    await fail(capture, api.SENTENCES.notConfigured);
    return null;
  }
  captures.set(jobId, capture);
  const what = source === "tab" ? "the visible tab" : "the video";
  await setJob(tabId, { jobId, key, state: "recording", message: `Recording ${seconds} s of ${what}…` });
  await setBadge(tabId, "REC", "#b3261e");
  return capture;
}

function receiveChunk({ jobId, index, data }) {
  const capture = captures.get(jobId);
  if (capture) capture.parts[index] = data;
  return Boolean(capture);
}

async function captureDone({ jobId, mimeType, error }) {
  const capture = captures.get(jobId);
  if (!capture) return;
  captures.delete(jobId);
  if (capture.source === "tab") closeOffscreen();
  if (error) {
    await fail(capture, error);
    return;
  }
  const blob = blobFromChunks(capture.parts, mimeType || "video/webm");
  await analyse(capture, blob).catch((err) => fail(capture, err.message, "error", err.code || ""));
}

async function analyse(capture, blob) {
  const { tabId, key, jobId } = capture;
  const settings = await loadSettings();
  await working(capture, "Uploading the recording…", "↑");
  const created = await api.upload(settings, blob, `deeptrace-capture-${Date.now()}.webm`);
  const server = api.normaliseServer(settings.serverUrl);
  const resultPage = api.absolute(server, created.result_page || `analyses/${created.id}/`);
  // The light status document while it runs; the full analysis (confidence, error) once it is finished.
  const statusUrl = created.status_url || `api/v1/analyses/${created.id}/status/`;
  const detailUrl = created.url || `api/v1/analyses/${created.id}/`;
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const light = await api.status(settings, statusUrl);
    const analysis = light.finished ? await api.status(settings, detailUrl) : light;
    if (analysis.status === "done") return finish(capture, analysis, resultPage);
    if (analysis.status === "failed") {
      const message = (analysis.error && analysis.error.message) || "The server could not analyse the recording.";
      throw new api.ApiError((analysis.error && analysis.error.code) || "failed", message);
    }
    const progress = analysis.progress || 0;
    const text = analysis.status === "waiting_model"
      ? "Waiting for the server to load a detection model…"
      : `Analysing… ${progress}%${analysis.stage ? ` (${analysis.stage})` : ""}`;
    await working(capture, text, `${progress}%`, { id: created.id, resultPage });
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  await setJob(tabId, { jobId, key, state: "error", message: api.SENTENCES.tooSlow, resultPage });
  await setBadge(tabId, "…");
}

async function working(capture, message, badge, extra = {}) {
  const { tabId, key, jobId } = capture;
  await setJob(tabId, { jobId, key, state: "working", message, ...extra });
  await setBadge(tabId, badge);
  await toPage(tabId, { type: "overlay", key, view: { kind: "working", message } });
}

async function finish(capture, analysis, resultPage) {
  const { tabId, key, jobId } = capture;
  const verdict = VERDICTS[analysis.verdict] || { label: analysis.verdict, badge: "?", color: "#5f6368" };
  const confidence = analysis.confidence == null ? null : Math.round(analysis.confidence * 100);
  const result = {
    verdict: analysis.verdict,
    label: verdict.label,
    confidence,
    framesAnalysed: analysis.frames_analysed,
    resultPage,
    note: analysis.verdict === "no_face" ? api.SENTENCES.noFace : "",
  };
  await setJob(tabId, { jobId, key, state: "done", message: verdict.label, result });
  await setBadge(tabId, verdict.badge, verdict.color);
  await toPage(tabId, { type: "overlay", key, view: { kind: "result", ...result } });
  const details = result.note ||
    `${confidence}% confidence, ${result.framesAnalysed} frames analysed. Click to open the full result.`;
  notify(`job-${jobId}`, `DeepTrace: ${verdict.label}`, details, resultPage);
}

// ---- messages ---------------------------------------------------------------------------------------

const HANDLERS = {
  "list-videos": ({ tabId }) => listVideos(tabId),
  "check-video": (message) => checkVideo(message).then(() => ({ ok: true })),
  "check-tab": (message) => checkTab(message).then(() => ({ ok: true })),
  "capture-chunk": (message) => receiveChunk(message),
  "capture-done": (message) => {
    captureDone(message); // uploading and polling take minutes; the recorder need not wait
    return true;
  },
  "test-connection": (message) => testConnection(message),
};

async function testConnection({ serverUrl, token }) {
  try {
    await api.testConnection({ serverUrl, token });
    return { ok: true, message: `Connected to ${api.normaliseServer(serverUrl)}. The token works.` };
  } catch (error) {
    return { ok: false, code: error.code, message: error.message };
  }
}

chrome.runtime.onMessage.addListener((message, sender, reply) => {
  const handler = message && !message.target && HANDLERS[message.type];
  if (!handler) return false;
  Promise.resolve()
    .then(() => handler(message, sender))
    .then(reply, (error) => reply({ ok: false, code: error.code || "", message: error.message }));
  return true; // the reply comes asynchronously
});

// Test hook and debugging aid: the same entry points the popup uses, callable from the worker's console.
globalThis.deeptrace = { checkVideo, checkTab, listVideos, loadSettings };
