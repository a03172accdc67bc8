// The DeepTrace REST API as the service worker uses it. Every failure becomes an ApiError whose
// message is a sentence the user reads as is (popup, overlay, notification).

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export const SENTENCES = {
  notConfigured:
    "Set your DeepTrace server address and API token in the extension's options first.",
  badToken:
    "The server did not accept your API token. Create a new token on your DeepTrace account " +
    "(API tokens, in the site's menu) and paste it in the extension's options.",
  serverDown: (server) =>
    `Cannot reach the DeepTrace server at ${server}. Check the address in the extension's options ` +
    "and that the server is running.",
  notDeeptrace: (server) =>
    `The server at ${server} answered, but it has no DeepTrace API. Check the address in the options.`,
  tooLarge:
    "The recording is larger than the server accepts. Choose a shorter capture length and try again.",
  throttled: "The server is busy with your earlier requests. Wait a minute and try again.",
  serverError: (status) => `The server had a problem (HTTP ${status}). Try again in a few minutes.`,
  noFace:
    "No face was found in the recorded seconds. Record a part of the video where a face is clearly " +
    "visible.",
  tooSlow: "The server has not finished after 10 minutes. Open the result page later to see the verdict.",
};

/** The server's base URL without a trailing slash, or "" when it is not a usable http(s) address. */
export function normaliseServer(raw) {
  try {
    const url = new URL(String(raw || "").trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") return "";
    return url.origin + url.pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
}

export function absolute(server, pathOrUrl) {
  return new URL(pathOrUrl, server + "/").href;
}

/** fetch + JSON with the token; throws ApiError with a sentence for every failure. */
export async function call(settings, path, init = {}) {
  const server = normaliseServer(settings.serverUrl);
  if (!server || !settings.token) throw new ApiError("not_configured", SENTENCES.notConfigured);
  let response;
  try {
    response = await fetch(absolute(server, path), {
      ...init,
      headers: { Accept: "application/json", Authorization: `Token ${settings.token}`, ...init.headers },
      credentials: "omit", // the token is the only credential; never the user's site cookies
    });
  } catch {
    throw new ApiError("server_down", SENTENCES.serverDown(server));
  }
  const body = await response.json().catch(() => null);
  if (response.ok) return body;
  throw errorFor(response.status, body, server);
}

function errorFor(status, body, server) {
  const error = body && body.error ? body.error : {};
  if (status === 401) return new ApiError("bad_token", SENTENCES.badToken);
  if (status === 413) return new ApiError("too_large", error.message || SENTENCES.tooLarge);
  if (status === 429) return new ApiError("throttled", SENTENCES.throttled);
  if (status === 404 && !body) return new ApiError("not_deeptrace", SENTENCES.notDeeptrace(server));
  if (status >= 500) return new ApiError("server_error", SENTENCES.serverError(status));
  // 400/403/415...: the server's own sentence (unreadable video, too long, permission...).
  return new ApiError(error.code || `http_${status}`, error.message || SENTENCES.serverError(status));
}

export function upload(settings, blob, filename) {
  const form = new FormData();
  form.append("video", blob, filename);
  return call(settings, "api/v1/analyses/", { method: "POST", body: form });
}

export function status(settings, statusUrl) {
  return call(settings, statusUrl);
}

/** A cheap authenticated GET that proves the address and the token both work. */
export function testConnection(settings) {
  return call(settings, "api/v1/analyses/?page_size=1");
}
