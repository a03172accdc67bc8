// Runtime messages carry JSON only, so a recording travels to the service worker as base64 chunks.
export const CHUNK_BYTES = 512 * 1024;

export async function sendBlob(jobId, blob) {
  const buffer = new Uint8Array(await blob.arrayBuffer());
  for (let index = 0, start = 0; start < buffer.length; index += 1, start += CHUNK_BYTES) {
    const data = toBase64(buffer.subarray(start, start + CHUNK_BYTES));
    await chrome.runtime.sendMessage({ type: "capture-chunk", jobId, index, data });
  }
  await chrome.runtime.sendMessage({ type: "capture-done", jobId, mimeType: blob.type });
}

export function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function blobFromChunks(parts, mimeType) {
  const arrays = parts.map((data) => Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  return new Blob(arrays, { type: mimeType.split(";")[0] });
}
