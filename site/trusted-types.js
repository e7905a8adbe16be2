// Trusted Types default policy. The Content-Security-Policy (tools/csp.py) requires Trusted Types for
// every script sink, so an HTML string reaching innerHTML & co. throws: this policy has no
// createHTML. It exists only because PyScript and Pyodide themselves use script sinks:
// - createScriptURL: PyScript starts its workers with `new Worker(<blob: URL>)` (and passes the
//   worker's .py URL through the same check), sw-register.js registers ./sw.js, and Pyodide probes
//   for a classic worker with `importScripts("data:text/javascript,")` (an empty script). Only
//   URLs of this origin (blob: URLs it made included) and that exact probe are admitted.
// - createScript: PyScript composes its plugin hooks into one function with
//   `Function("return(w,x)=>(...)")` on the page and `Function("'use strict';return ((w,x)=>(...")`
//   in its workers, and a worker makes its `js_import` helper on the page with one fixed
//   `Function(...)` (which is also why the policy allows 'unsafe-eval'). Only those shapes are
//   admitted; any other string evaluated as code (eval, other Function bodies) is refused.
// A blob: worker inherits the page's Content-Security-Policy but none of its Trusted Types
// policies, so every JavaScript blob made into a URL gets this same policy prepended.
// Loaded first, before any other script of the page.
(function () {
  "use strict";

  function installDefaultPolicy() {
    if (!self.trustedTypes || self.trustedTypes.defaultPolicy) return;
    const HOOK_RUNNERS = ["(function anonymous(\n) {\nreturn(w,x)=>(",
                          "(function anonymous(\n) {\n'use strict';return ((w,x)=>("];
    const JS_IMPORT = "(function anonymous(\n) {\nreturn (...urls) => Promise.all(urls.map((url) => import(url)))\n})";
    const PYODIDE_PROBE = "data:text/javascript,";

    function sameOrigin(url) {
      try {
        const parsed = new URL(url, self.location.href);
        if (parsed.protocol === "blob:") return new URL(parsed.pathname).origin === self.location.origin;
        return parsed.origin === self.location.origin;
      } catch {
        return false;
      }
    }

    self.trustedTypes.createPolicy("default", {
      createScriptURL: (url) => (sameOrigin(url) || url === PYODIDE_PROBE ? url : null),
      createScript: (source, type, sink) => (sink === "Function" &&
        (source === JS_IMPORT || HOOK_RUNNERS.some((start) => source.startsWith(start))) ? source : null),
    });
  }

  installDefaultPolicy();
  if (!self.trustedTypes) return;
  const prelude = `(${installDefaultPolicy})();\n`;
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (object) {
    if (object instanceof Blob && /javascript/.test(object.type)) {
      object = new Blob([prelude, object], {type: object.type});
    }
    return createObjectURL.call(URL, object);
  };
})();
