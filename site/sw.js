// Service worker (a template: build.py fills in BUILD, FILES and SECURITY; see tools/pwa.py).
//
// - Precaches this build's files (app shell, vendored Pyodide + PyScript, wheels, kernels) into a
//   cache named by the build hash and serves them cache-first, so the app starts offline.
// - Adds the cross-origin isolation headers to what it serves, so the app is isolated even on a
//   static host that cannot send them (sw-register.js reloads once to pick them up), and the
//   app's security headers (Content-Security-Policy etc., defined in tools/csp.py).
// - Updates: a new build installs in the background and waits; it takes over only when the page
//   asks (SKIP_WAITING, after the user clicked Reload), then deletes the older builds' caches.
//   A page is served by one worker from one cache, so it never mixes files of two builds.
// - Model weights (models/) are not touched here: they live in their own cache ("models-v1",
//   py/webgpu_llm/weights_cache.py) that outlives app builds.
"use strict";

const BUILD = "/*BUILD*/";
const FILES = [/*FILES*/];

const SCOPE = self.registration.scope;  // ends with "/"
const SCOPE_PATH = new URL(SCOPE).pathname;
const CACHE_PREFIX = `todo-app ${SCOPE} `;
const CACHE = CACHE_PREFIX + BUILD;
const PRECACHED = new Set(FILES);
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
const SECURITY = {/*SECURITY_HEADERS*/};
// Some static hosts get these wrong; Pyodide hangs if .wasm is not application/wasm.
const MIME = {
  wasm: "application/wasm", mjs: "text/javascript", js: "text/javascript",
  json: "application/json", webmanifest: "application/manifest+json",
  html: "text/html; charset=utf-8", css: "text/css", svg: "image/svg+xml", png: "image/png",
  wgsl: "text/plain; charset=utf-8", py: "text/plain; charset=utf-8", whl: "application/zip",
  zip: "application/zip",
};

function withIsolation(response, path) {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries({...ISOLATION, ...SECURITY})) headers.set(name, value);
  const type = path && MIME[path.split(".").pop()];
  if (type) headers.set("Content-Type", type);
  headers.delete("Content-Encoding");  // the body we pass on is already decoded
  headers.delete("Content-Length");
  return new Response(response.body, {status: response.status, statusText: response.statusText, headers});
}

async function fetchFresh(path) {
  // "no-cache": revalidate with the server (a 304 keeps an unchanged file cheap to precache).
  const response = await fetch(new URL(path, SCOPE), {cache: "no-cache", credentials: "same-origin"});
  if (!response.ok) throw new Error(`precache ${path}: HTTP ${response.status}`);
  return response;
}

async function servedBuild() {
  return (await (await fetchFresh("build-info.json")).json()).build;
}

async function precache() {
  // Every file must come from this worker's build. The build writes build-info.json last, so
  // checking it before and after catches a deploy that happened meanwhile; the install then
  // fails and the browser retries with the next sw.js.
  if (await servedBuild() !== BUILD) throw new Error(`the server no longer has build ${BUILD}`);
  const cache = await caches.open(CACHE);
  try {
    await Promise.all(FILES.map(async (path) => {
      const response = await fetchFresh(path);
      const body = await response.arrayBuffer();
      await cache.put(new URL(path, SCOPE), withIsolation(new Response(body, response), path));
    }));
    if (await servedBuild() !== BUILD) throw new Error(`build ${BUILD} was replaced during install`);
  } catch (error) {
    await caches.delete(CACHE);
    throw error;
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());  // no skipWaiting(): an update waits for the user (SKIP_WAITING)
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

async function fromCache(path, request) {
  const hit = await (await caches.open(CACHE)).match(new URL(path, SCOPE));
  if (hit) return hit;
  return withIsolation(await fetch(request), path);  // only if the cache was lost
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(SCOPE)) return;
  const url = new URL(request.url);
  let path;
  try {
    path = decodeURIComponent(url.pathname.slice(SCOPE_PATH.length));
  } catch {
    return;
  }
  if (path === "") path = "index.html";
  if (PRECACHED.has(path)) {
    event.respondWith(fromCache(path, request));
  } else if (request.mode === "navigate") {
    // Another page of this origin (not part of the app): from the network, isolated like the rest.
    event.respondWith(fetch(request).then((response) => withIsolation(response)));
  }
  // Everything else (model shards, ...) goes to the network untouched.
});
