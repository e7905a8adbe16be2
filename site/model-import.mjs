// The model picker's byte mover (py/webgpu_llm/model_import.py drives it): a GGUF the person
// brings (a File from the file picker or a drop, or a URL on this site) is streamed
// into the Cache API in shards, each hashed with SubtleCrypto, without ever passing through
// Python. Python gets only the header bytes (readHead) and the list of shards stored.
// The cache entries look exactly like a downloaded model's (py/webgpu_llm/shard_store.py), so
// weights_cache.open_model() verifies and opens them the same way.

const PROGRESS_STEP = 1 << 20;  // report at most once per MiB (and at each shard's end)

function problem(message, name = "ImportError") {
  const error = new Error(message);
  error.name = name;
  return error;
}

async function fetchRange(url, start, signal) {
  // A Range request; a server without range support answers 200 with
  // the whole file, and the caller skips the first `start` bytes itself.
  const headers = start > 0 ? {Range: `bytes=${start}-`} : {};
  let response;
  try {
    response = await fetch(url, {headers, cache: "no-store", signal});
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw problem("could not download it (offline?)", "NetworkError");
  }
  if (!response.ok) throw problem(`the server answered HTTP ${response.status}`, "NetworkError");
  const ranged = response.status === 206;
  return {response, skip: ranged ? 0 : start, total: totalSize(response, ranged)};
}

function totalSize(response, ranged) {
  if (ranged) {
    const match = /\/(\d+)\s*$/.exec(response.headers.get("Content-Range") || "");
    return match ? Number(match[1]) : null;
  }
  const length = response.headers.get("Content-Length");
  const encoded = response.headers.get("Content-Encoding");
  return length && (!encoded || encoded === "identity") ? Number(length) : null;
}

// {bytes: Uint8Array of the first n bytes (fewer if the file is shorter), size: the file's size}.
export async function readHead(source, n) {
  if (typeof source !== "string") {
    return {bytes: new Uint8Array(await source.slice(0, n).arrayBuffer()), size: source.size};
  }
  const url = source;
  let response;
  try {
    response = await fetch(url, {headers: {Range: `bytes=0-${n - 1}`}, cache: "no-store"});
  } catch {
    throw problem("could not download it (offline?)", "NetworkError");
  }
  if (!response.ok) throw problem(`the server answered HTTP ${response.status}`, "NetworkError");
  const size = totalSize(response, response.status === 206);
  if (size === null) throw problem("the server does not say how large the file is", "NetworkError");
  const bytes = new Uint8Array(Math.min(n, size));
  let filled = 0;
  const reader = response.body.getReader();
  while (filled < bytes.length) {
    const {done, value} = await reader.read();
    if (done) break;
    const take = Math.min(value.length, bytes.length - filled);
    bytes.set(value.subarray(0, take), filled);
    filled += take;
  }
  await reader.cancel().catch(() => {});
  return {bytes: bytes.subarray(0, filled), size};
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function shardName(index) {
  return `shard-${String(index).padStart(3, "0")}.bin`;
}

// The shards already stored for this model by an earlier, interrupted copy: [{file, offset, size,
// sha256}] for a run of whole shards from the start (a copy resumes after the last of them).
async function storedPrefix(cache, options, count) {
  const found = [];
  for (let index = 0; index < count; index++) {
    const offset = index * options.shardSize;
    const size = Math.min(options.shardSize, options.size - offset);
    const hit = await cache.match(options.folderUrl + shardName(index));
    const sha = hit && hit.headers.get(options.shaHeader);
    if (!sha || hit.headers.get(options.modelHeader) !== options.modelId ||
        Number(hit.headers.get("Content-Length") || size) !== size) break;
    found.push({file: shardName(index), offset, size, sha256: sha});
  }
  return found;
}

async function putShard(cache, options, index, bytes) {
  const sha256 = await sha256Hex(bytes);
  const headers = {"Content-Type": "application/octet-stream", "Content-Length": String(bytes.length),
                   [options.shaHeader]: sha256, [options.modelHeader]: options.modelId};
  try {
    await cache.put(options.folderUrl + shardName(index), new Response(bytes, {headers}));
  } catch (error) {
    if (error.name === "QuotaExceededError" || /quota/i.test(String(error))) {
      throw problem("the browser refused to store more (this site's storage is full)", "QuotaExceededError");
    }
    throw problem(`could not save it in this browser's storage (${error})`, "StorageError");
  }
  return {file: shardName(index), offset: index * options.shardSize, size: bytes.length, sha256};
}

async function openStream(options, start, signal) {
  if (typeof options.source !== "string") {
    return {reader: options.source.slice(start).stream().getReader(), skip: 0};
  }
  const {response, skip, total} = await fetchRange(options.source, start, signal);
  if (total !== null && total !== options.size) {
    throw problem(`the file changed on the server (now ${total} bytes, ${options.size} before)`, "NetworkError");
  }
  return {reader: response.body.getReader(), skip};
}

async function readMore(reader, done, size) {
  try {
    return await reader.read();
  } catch {
    throw problem(`the download was interrupted after ${done} of ${size} bytes (add it again ` +
                  "to resume: the parts stored are kept)", "NetworkError");
  }
}

// Copy options.source (File or URL) into options.cacheName as shards of options.shardSize bytes
// at options.folderUrl + "shard-NNN.bin". Shards a previous attempt stored are kept (resume).
// options: {source, size, modelId, folderUrl, shardSize, cacheName, shaHeader, modelHeader,
// onProgress(done, total), signal}. Returns the shards [{file, offset, size, sha256}].
export async function importModel(options) {
  const cache = await caches.open(options.cacheName);
  const count = Math.max(1, Math.ceil(options.size / options.shardSize));
  const shards = await storedPrefix(cache, options, count);
  let offset = shards.length * options.shardSize;
  let reported = -1;
  const report = (done, always = false) => {
    if (always || done - reported >= PROGRESS_STEP || done >= options.size) {
      reported = done;
      options.onProgress(done, options.size);
    }
  };
  report(Math.min(offset, options.size), true);
  if (shards.length === count) return shards;
  const {reader, skip} = await openStream(options, offset, options.signal);
  let toSkip = skip;
  let shard = new Uint8Array(Math.min(options.shardSize, options.size - offset));
  let filled = 0;
  try {
    while (shards.length < count) {
      if (options.signal && options.signal.aborted) throw problem("cancelled", "AbortError");
      const {done, value} = await readMore(reader, offset + filled, options.size);
      if (done) break;
      let chunk = value;
      if (toSkip) {
        const drop = Math.min(toSkip, chunk.length);
        toSkip -= drop;
        chunk = chunk.subarray(drop);
      }
      while (chunk.length) {
        const take = Math.min(chunk.length, shard.length - filled);
        if (shards.length === count) throw problem(`the file is larger than ${options.size} bytes`);
        shard.set(chunk.subarray(0, take), filled);
        filled += take;
        chunk = chunk.subarray(take);
        report(offset + filled);
        if (filled === shard.length) {
          shards.push(await putShard(cache, options, shards.length, shard));
          offset += filled;
          report(offset, true);
          filled = 0;
          shard = new Uint8Array(Math.min(options.shardSize, Math.max(0, options.size - offset)));
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (shards.length < count) {
    throw problem(`the file ended after ${offset + filled} of ${options.size} bytes`, "NetworkError");
  }
  return shards;
}
