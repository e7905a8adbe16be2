"""The Content-Security-Policy and Trusted Types hold in the real page: markup and script injected by
mistake are refused, and the violation watch (csp_watch.py) sees them, in the page and in workers."""
from tools import csp

from .conftest import boot, wait_booted
from .csp_watch import WORKER_MARKER

INLINE_PAGE = "<!doctype html><title>inline</title><p id=p>x</p><script>window.__inline = 1</script>"


def directives(violations):
    return {v.get("directive") for v in violations if v["via"] == "event"}


def test_the_booted_page_carries_the_policy_and_trusted_types(recorded_page, server):
    page = recorded_page.page
    response = page.goto(server)
    assert response.headers["content-security-policy"] == csp.content_security_policy()
    assert wait_booted(page) == "ready"
    meta = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert meta == csp.content_security_policy(meta=True) and "frame-ancestors" not in meta
    # Only the default policy exists (trusted-types default), and it has no createHTML.
    assert page.evaluate("trustedTypes.defaultPolicy && trustedTypes.defaultPolicy.name") == "default"


def test_html_sinks_and_injected_scripts_are_refused(recorded_page, server, csp_violations):
    page = recorded_page.page
    boot(page, server)
    csp_violations.clear()
    # Run as the page's own code (a task of its own): DevTools' evaluate itself may eval freely.
    result = page.evaluate("""() => new Promise((resolve) => setTimeout(() => {
        const out = {};
        try { document.getElementById("todo-root").innerHTML = '<img src=x onerror="window.__pwned=1">'; }
        catch (e) { out.html = `${e.name}: ${e.message}`; }
        const s = document.createElement("script");
        s.appendChild(document.createTextNode("window.__pwned = 2"));
        document.body.append(s);
        // A string evaluated as code that is not PyScript's hook runner is refused too.
        try { out.eval = eval("40 + 2"); } catch (e) { out.eval = e.name; }
        resolve(out);
    }))""")
    assert result["html"].startswith("TypeError") and "TrustedHTML" in result["html"], result
    assert result["eval"] == "EvalError", result
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#todo-root img").count() == 0
    assert directives(csp_violations) == {"require-trusted-types-for"}
    # Each sink reported (once per policy: the header's and the meta tag's).
    sinks = {v["sample"].split("|")[0] for v in csp_violations if v["via"] == "event"}
    assert sinks == {"Element innerHTML", "HTMLScriptElement text", "eval"}, sinks
    csp_violations.clear()


def test_an_inline_script_in_markup_does_not_run(recorded_page, server, csp_violations):
    """A page of this origin with an inline <script>, served with the app's headers."""
    page = recorded_page.page
    page.route(server + "inline.html", lambda route: route.fulfill(
        status=200, body=INLINE_PAGE, headers={"Content-Type": "text/html", **csp.security_headers()}))
    page.goto(server + "inline.html")
    page.wait_for_selector("#p")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__inline") is None
    assert directives(csp_violations) == {"script-src-elem"}
    csp_violations.clear()


def test_violations_inside_a_worker_are_seen(recorded_page, server, csp_violations):
    page = recorded_page.page
    boot(page, server)
    csp_violations.clear()
    with page.expect_worker():
        page.evaluate("""() => {
            const source = 'onmessage = () => { try { eval("1"); } catch (e) { postMessage(e.name); } };';
            window.__worker = new Worker(URL.createObjectURL(new Blob([source], {type: "text/javascript"})));
            window.__workerReply = new Promise((resolve) => { window.__worker.onmessage = (e) => resolve(e.data); });
        }""")
    page.wait_for_timeout(300)  # the watch attaches to the new worker
    assert page.evaluate("async () => { window.__worker.postMessage(0); return await window.__workerReply; }") == "EvalError"
    page.wait_for_timeout(300)
    worker_reports = [v for v in csp_violations if WORKER_MARKER in v.get("text", "")]
    assert worker_reports and "require-trusted-types-for" in worker_reports[0]["text"], csp_violations
    csp_violations.clear()

