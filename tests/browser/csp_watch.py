"""Record every Content-Security-Policy violation in every browser context the tests open.

watch_every_context() wraps Playwright's context constructors (Browser.new_context, Browser.new_page,
BrowserType.launch_persistent_context), so a context made anywhere, by any test, gets:
- an init script in each document that reports `securitypolicyviolation` events (blocked scripts,
  Trusted Types sinks, connections, workers, ...) through an exposed binding;
- a listener added to each worker and service worker as soon as Playwright sees it (their
  violation events fire in the worker, where no init script runs), which reports through the
  console (a worker cannot call a binding);
- a console listener for those reports and for the browser's own CSP messages.
All land in VIOLATIONS; tests/browser/conftest.py fails a test that leaves any there. A violation
in a worker's first moments, before Playwright attaches, reaches only the page's console, which
Playwright does not see for workers: the app's workers spend their first seconds loading Pyodide.
"""
import contextlib

from playwright.sync_api import Browser, BrowserType

VIOLATIONS = []
BINDING = "__reportCspViolation"
INIT_SCRIPT = """(() => {
  addEventListener("securitypolicyviolation", (e) => {
    const report = self.%s;
    if (typeof report !== "function") return;
    report({directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
            source: `${e.sourceFile}:${e.lineNumber}`, document: e.documentURI,
            disposition: e.disposition});
  }, true);
})();""" % BINDING
WORKER_MARKER = "[csp-violation]"
WORKER_SCRIPT = """() => {
  if (self.__cspWatched) return;
  self.__cspWatched = true;
  addEventListener("securitypolicyviolation", (e) => console.error("%s " + JSON.stringify(
    {directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample,
     source: `${e.sourceFile}:${e.lineNumber}`, document: e.documentURI})));
}""" % WORKER_MARKER
# Chromium's console text for a blocked load, script, eval, worker or Trusted Types sink.
CONSOLE_MARKERS = (WORKER_MARKER, "Content Security Policy", "Content-Security-Policy", "TrustedHTML",
                   "TrustedScript", "Trusted Type")


def _on_binding(source, violation):
    VIOLATIONS.append({"via": "event", **violation})


def _on_console(message):
    text = message.text
    if any(marker in text for marker in CONSOLE_MARKERS):
        VIOLATIONS.append({"via": "console", "type": message.type, "text": text,
                           "location": message.location.get("url")})


def _watch_worker(worker):
    try:
        worker.evaluate(WORKER_SCRIPT)
    except Exception:  # noqa: BLE001 - the worker ended meanwhile: nothing left to watch
        pass


def _watch_page(page):
    page.on("worker", _watch_worker)
    for worker in page.workers:
        _watch_worker(worker)


def instrument(context):
    context.expose_binding(BINDING, _on_binding)
    context.add_init_script(INIT_SCRIPT)
    context.on("console", _on_console)
    context.on("page", _watch_page)
    context.on("serviceworker", _watch_worker)
    for page in context.pages:
        _watch_page(page)
    for worker in context.service_workers:
        _watch_worker(worker)
    return context


@contextlib.contextmanager
def watch_every_context():
    new_context, new_page = Browser.new_context, Browser.new_page
    launch_persistent = BrowserType.launch_persistent_context

    def watched_new_context(self, *args, **kwargs):
        return instrument(new_context(self, *args, **kwargs))

    def watched_new_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)  # still about:blank: the next document is watched
        instrument(page.context)
        return page

    def watched_launch_persistent(self, *args, **kwargs):
        return instrument(launch_persistent(self, *args, **kwargs))

    Browser.new_context, Browser.new_page = watched_new_context, watched_new_page
    BrowserType.launch_persistent_context = watched_launch_persistent
    try:
        yield
    finally:
        Browser.new_context, Browser.new_page = new_context, new_page
        BrowserType.launch_persistent_context = launch_persistent
