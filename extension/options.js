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

// The handlers go on before the stored settings are read, and the stored values fill only fields the
// user has not typed into meanwhile: a slow storage read must not wipe what was typed (or leave a
// click on "Test connection" without a handler).
async function main() {
  $("form").addEventListener("submit", save);
  $("test").addEventListener("click", test);
  const edited = new Set();
  for (const id of ["server", "token"]) $(id).addEventListener("input", () => edited.add(id));
  const stored = await chrome.storage.local.get({ serverUrl: "", token: "" });
  if (!edited.has("server")) $("server").value = stored.serverUrl;
  if (!edited.has("token")) $("token").value = stored.token;
  document.body.dataset.loaded = "true"; // the stored settings are in (the tests wait on it)
}

main();
