// Options: the server address and the API token, in chrome.storage.local. "Test connection" asks the
// service worker, which makes the authenticated request, to try both.

const $ = (id) => document.getElementById(id);

function show(ok, message) {
  const result = $("result");
  result.hidden = false;
  result.dataset.ok = String(ok);
  result.textContent = message;
}

function values() {
  return { serverUrl: $("server").value.trim().replace(/\/+$/, ""), token: $("token").value.trim() };
}

async function save(event) {
  event.preventDefault();
  await chrome.storage.local.set(values());
  show(true, "Saved.");
}

async function test() {
  show(true, "Testing…");
  const reply = await chrome.runtime.sendMessage({ type: "test-connection", ...values() });
  show(reply.ok, reply.message);
}

async function main() {
  const stored = await chrome.storage.local.get({ serverUrl: "", token: "" });
  $("server").value = stored.serverUrl;
  $("token").value = stored.token;
  $("form").addEventListener("submit", save);
  $("test").addEventListener("click", test);
}

main();
