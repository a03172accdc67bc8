// The toolbar popup: lists the tab's videos (largest first) and starts a check. The work itself runs in
// the service worker, so closing the popup does not stop it; reopening shows the job from storage.

const MIN_SECONDS = 3;
const MAX_SECONDS = 30;
const $ = (id) => document.getElementById(id);

// ?tab=<id> opens the popup for a given tab (tests, or the popup opened in a tab of its own).
async function targetTabId() {
  const param = new URLSearchParams(location.search).get("tab");
  if (param) return Number(param);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : null;
}

function clampSeconds(value) {
  const seconds = Math.round(Number(value)) || 10;
  return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, seconds));
}

function formatTime(seconds) {
  if (seconds == null) return "live";
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function videoRow(video, onCheck) {
  const row = document.createElement("li");
  const what = document.createElement("span");
  what.className = "what";
  what.textContent = `${video.width}×${video.height} · ${formatTime(video.duration)} · ` +
    (video.playing ? "playing" : "paused");
  if (video.label) {
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = video.label;
    what.append(label);
  }
  if (video.blocked) {
    const warning = document.createElement("span");
    warning.className = "warning";
    warning.textContent = video.blocked === "drm" ? "Copy-protected (DRM)" : "From another site: may be blocked";
    what.append(warning);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Check this video";
  button.dataset.key = video.key;
  button.addEventListener("click", () => onCheck(video.key));
  row.append(what, button);
  return row;
}

function renderJob(job) {
  const box = $("job");
  box.hidden = !job;
  if (!job) return;
  box.dataset.state = job.state;
  $("job-message").textContent = job.message;
  const result = job.state === "done" ? job.result : null;
  $("job-result").hidden = !(result || job.resultPage);
  if (result) {
    $("job-details").textContent = result.note ||
      `${result.confidence}% confidence · ${result.framesAnalysed} frames analysed`;
  }
  if (result || job.resultPage) $("job-link").href = (result && result.resultPage) || job.resultPage;
  $("record-tab").hidden = job.state !== "blocked";
  $("record-tab").dataset.key = job.key == null ? "" : job.key;
}

async function main() {
  // The handlers go on before anything is awaited, and the stored length fills the field only if the
  // user has not chosen one meanwhile: a slow storage read must not undo (or miss) that choice.
  let secondsChosen = false;
  $("seconds").addEventListener("input", () => { secondsChosen = true; });
  $("seconds").addEventListener("change", () => {
    secondsChosen = true;
    $("seconds").value = clampSeconds($("seconds").value);
    chrome.storage.local.set({ seconds: Number($("seconds").value) });
  });
  for (const id of ["open-options", "setup-options"]) {
    $(id).addEventListener("click", () => chrome.runtime.openOptionsPage());
  }
  const tabId = await targetTabId();
  const settings = await chrome.storage.local.get({ serverUrl: "", token: "", seconds: 10 });
  $("setup").hidden = Boolean(settings.serverUrl && settings.token);
  if (!secondsChosen) $("seconds").value = clampSeconds(settings.seconds);

  const jobKey = `job:${tabId}`;
  renderJob((await chrome.storage.session.get(jobKey))[jobKey]);
  chrome.storage.session.onChanged.addListener((changes) => {
    if (changes[jobKey]) renderJob(changes[jobKey].newValue);
  });

  const start = (type, key) => {
    const seconds = clampSeconds($("seconds").value);
    chrome.runtime.sendMessage({ type, tabId, key, seconds });
  };
  $("record-tab").addEventListener("click", (event) => {
    const key = event.target.dataset.key;
    start("check-tab", key === "" ? null : Number(key));
  });
  $("record-whole-tab").addEventListener("click", () => start("check-tab", null));

  const list = await chrome.runtime.sendMessage({ type: "list-videos", tabId });
  showVideos(list, (key) => start("check-video", key));
}

function showVideos(list, onCheck) {
  const message = $("videos-message");
  if (!list || !list.ok) {
    message.textContent = (list && list.message) || "DeepTrace could not read this page.";
    return;
  }
  $("videos").replaceChildren(...list.videos.map((video) => videoRow(video, onCheck)));
  message.hidden = list.videos.length > 0;
  message.textContent = "No videos on this page. Players inside embedded frames are not listed.";
  $("record-whole-tab").hidden = false;
}

main();
