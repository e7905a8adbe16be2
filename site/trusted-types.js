// Trusted Types default policy. The page's Content-Security-Policy (tools/csp.py) requires Trusted
// Types for every script sink, so an HTML string reaching innerHTML & co. throws: this policy has
// no createHTML. It exists only because PyScript itself needs two script sinks:
// - createScriptURL: PyScript starts its workers with `new Worker(<blob: URL>)` (and passes the
//   worker's .py URL through the same check), and sw-register.js registers ./sw.js. Only URLs of
//   this origin (blob: URLs it created included) are admitted.
// - createScript: PyScript composes its plugin hooks into one function with
//   `Function("return(w,x)=>(...)")` (which is also why the policy allows 'unsafe-eval'). Only that
//   shape is admitted; any other string evaluated as code is refused.
// Loaded first, before any other script of the page.
(function () {
  "use strict";
  if (!self.trustedTypes || trustedTypes.defaultPolicy) return;
  const HOOK_RUNNER = "(function anonymous(\n) {\nreturn(w,x)=>(";

  function sameOrigin(url) {
    try {
      const parsed = new URL(url, location.href);
      if (parsed.protocol === "blob:") return new URL(parsed.pathname).origin === location.origin;
      return parsed.origin === location.origin;
    } catch {
      return false;
    }
  }

  trustedTypes.createPolicy("default", {
    createScriptURL: (url) => (sameOrigin(url) ? url : null),
    createScript: (source, type, sink) => (sink === "Function" && source.startsWith(HOOK_RUNNER) ? source : null),
  });
})();
