// Upload page: drag and drop, a frames slider, and an XHR upload with a progress bar.
// Without JavaScript the form still works as a plain multipart POST.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  document.documentElement.classList.add("js");

  var input = document.getElementById("id_video");
  var zone = document.getElementById("dropzone");
  var zoneText = document.getElementById("dropzone-text");
  var errorBox = document.getElementById("upload-error");
  var progress = document.getElementById("upload-progress");
  var bar = progress.querySelector(".progress-bar");
  var label = progress.querySelector(".progress-label");
  var button = document.getElementById("upload-button");
  var range = document.getElementById("frames-range");
  var number = document.getElementById("id_frames");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  var EMPTY_TEXT = "Drop a video here, or click to choose one";

  // A refused file must not look accepted: the zone turns red, says which file was refused, and is
  // emptied so that picking (even the same file again) starts over. The reason stays in the banner.
  function refuse(name, message) {
    input.value = "";
    zone.classList.remove("chosen");
    zone.classList.add("refused");
    zone.querySelector(".dropzone-icon").textContent = "✕";
    zoneText.textContent = (name ? name + " was refused. " : "That file was refused. ") + "Drop another video here, or click to choose one";
    showError(message);
  }

  function fileChosen() {
    var file = input.files[0];
    zone.classList.remove("refused");
    zone.classList.toggle("chosen", !!file);
    zone.querySelector(".dropzone-icon").textContent = "⬆";
    zoneText.textContent = file ? file.name + " (" + (file.size / 1048576).toFixed(1) + " MB)" : EMPTY_TEXT;
    showError("");
    if (file && file.size > maxBytes) refuse(file.name, "The file is larger than the " + form.dataset.maxMb + " MB limit.");
  }

  input.addEventListener("change", fileChosen);
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    if (!event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    fileChosen();
  });

  // The slider and the number box mirror each other; the number box is what gets submitted.
  range.hidden = false;
  range.addEventListener("input", function () { number.value = range.value; });
  number.addEventListener("input", function () { range.value = number.value; });

  function setProgress(percent, text) {
    bar.style.width = percent + "%";
    label.textContent = text;
  }

  function finish(xhr, sentName) {
    var body = {};
    try { body = JSON.parse(xhr.responseText); } catch (ignored) { /* not JSON: a proxy error page */ }
    if (xhr.status >= 200 && xhr.status < 300 && body.url) {
      setProgress(100, "Uploaded. Opening the result…");
      window.location.assign(body.url);
      return;
    }
    progress.hidden = true;
    button.disabled = false;
    if (xhr.status === 413 && !body.message) body.message = "The file is larger than the " + form.dataset.maxMb + " MB limit.";
    var message = body.message || "The upload failed (HTTP " + xhr.status + "). Please try again.";
    // Only a refusal of the file itself empties the zone; a limit or a bad link leaves the choice as it is.
    if (sentName && (xhr.status === 413 || (body.errors && body.errors.video))) refuse(sentName, message);
    else showError(message);
  }

  form.addEventListener("submit", function (event) {
    var file = input.files[0];
    event.preventDefault();
    if (file && file.size > maxBytes) { refuse(file.name, "The file is larger than the " + form.dataset.maxMb + " MB limit."); return; }
    showError("");
    button.disabled = true;
    progress.hidden = false;
    setProgress(0, file ? "Uploading… 0%" : "Sending the link…");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      setProgress(percent, percent < 100 ? "Uploading… " + percent + "%" : "Checking the video…");
    });
    xhr.addEventListener("load", function () { finish(xhr, file && file.name); });
    xhr.addEventListener("error", function () {
      progress.hidden = true;
      button.disabled = false;
      showError("The connection was lost during the upload. Please try again.");
    });
    xhr.send(new FormData(form));
  });
})();
