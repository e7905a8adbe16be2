// Registers the service worker (sw.js): offline start, cross-origin isolation on static hosts
// that cannot send COOP/COEP, and updates the user agrees to ("A new version is ready").
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;
  const RELOAD_KEY = "todo-sw-isolation-reload";
  const hadController = !!container.controller;
  let userAccepted = false;
  let reloading = false;

  function reloadOnce() {
    if (!reloading) {
      reloading = true;
      location.reload();
    }
  }

  // A new build took over (the user clicked Reload, here or in another tab). This page's files
  // belong to the old build, whose cache is being deleted: load the new build instead.
  container.addEventListener("controllerchange", () => {
    if (hadController || userAccepted) reloadOnce();
  });

  function showBanner(registration) {
    if (document.getElementById("update-banner")) return;
    const bar = document.createElement("div");
    bar.id = "update-banner";
    bar.setAttribute("role", "status");
    bar.style.cssText = "position:fixed;left:50%;bottom:1rem;transform:translateX(-50%);z-index:1000;" +
      "display:flex;gap:.75rem;align-items:center;padding:.6rem .9rem;border-radius:10px;" +
      "background:#2450b8;color:#fff;box-shadow:0 4px 16px rgba(0,0,0,.3);font-family:system-ui,sans-serif;";
    const text = document.createElement("span");
    text.textContent = "A new version is ready \u2014";
    const button = document.createElement("button");
    button.id = "update-reload";
    button.type = "button";
    button.textContent = "Reload";
    button.style.cssText = "font:inherit;padding:.3rem .8rem;border-radius:6px;border:0;" +
      "background:#fff;color:#2450b8;cursor:pointer;";
    button.addEventListener("click", () => {
      button.disabled = true;
      userAccepted = true;
      const waiting = registration.waiting;
      if (!waiting) return reloadOnce();
      waiting.postMessage({type: "SKIP_WAITING"});  // then controllerchange reloads the page
      setTimeout(reloadOnce, 10000);
    });
    bar.append(text, button);
    (document.body || document.documentElement).append(bar);
  }

  function offerUpdates(registration) {
    const offer = () => {
      if (container.controller) {
        if (document.body) showBanner(registration);
        else addEventListener("DOMContentLoaded", () => showBanner(registration));
      }
    };
    if (registration.waiting) offer();
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && registration.waiting === worker) offer();
      });
    });
    const check = () => registration.update().catch(() => {});
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") check();
    });
    addEventListener("online", check);
    setInterval(check, 60 * 60 * 1000);
  }

  // The worker adds COOP/COEP to what it serves: a page the worker did not serve (first visit on
  // a host without those headers) reloads once to get them. The flag in sessionStorage stops a
  // loop if isolation still fails after that reload.
  async function ensureIsolation() {
    let storage;
    try {
      storage = sessionStorage;
    } catch {
      return;  // no storage, no guard: never reload
    }
    if (self.crossOriginIsolated) {
      storage.removeItem(RELOAD_KEY);
      return;
    }
    await container.ready;
    if (storage.getItem(RELOAD_KEY)) return;
    storage.setItem(RELOAD_KEY, "1");
    reloadOnce();
  }

  function register() {
    container.register("./sw.js", {scope: "./"}).then((registration) => {
      offerUpdates(registration);
      return ensureIsolation();
    }).catch((error) => console.warn("Service worker unavailable; no offline start:", error));
  }

  // Isolated already: let the page boot first. Not isolated: register now (a reload follows).
  if (self.crossOriginIsolated && document.readyState !== "complete") addEventListener("load", register);
  else register();
})();
