"""The app's security policy, defined once: Content-Security-Policy, Trusted Types and the other
security headers. Used by tools/server.py (headers), tools/pwa.py (the service worker adds the
same headers to what it serves) and tools/site.py (a <meta http-equiv> in every built page, so
any static host enforces the policy too).
"""
import html
import json

# Each directive with its sources; why a source is there is said next to it.
DIRECTIVES = (
    ("default-src", ("'self'",)),
    # 'unsafe-eval': PyScript (@pyscript/core 0.7) composes its plugin hooks into one function with
    # `Function("return(w,x)=>(...)")` on the page; without it PyScript fails before Python runs
    # (checked in Chromium), and in its workers likewise. Trusted Types still narrow it: the default
    # policy in site/trusted-types.js (also prepended to the workers) admits only PyScript's shapes.
    # 'wasm-unsafe-eval': Pyodide compiles its WebAssembly with WebAssembly.instantiate. 'unsafe-eval'
    # implies it today; it is listed so the policy stays right once PyScript needs no eval.
    ("script-src", ("'self'", "'wasm-unsafe-eval'", "'unsafe-eval'")),
    ("style-src", ("'self'",)),
    ("img-src", ("'self'",)),
    ("connect-src", ("'self'",)),  # the model, wheels, kernels: all from the origin
    # 'self': the service worker (sw.js); blob: PyScript starts its workers (the engine's) from blob: URLs.
    ("worker-src", ("'self'", "blob:")),
    ("object-src", ("'none'",)),
    ("base-uri", ("'none'",)),
    ("form-action", ("'self'",)),
    ("frame-ancestors", ("'none'",)),  # header only: browsers ignore it in a <meta> policy
    ("require-trusted-types-for", ("'script'",)),
    ("trusted-types", ("default",)),  # site/trusted-types.js: only PyScript's sinks
)
HEADER_ONLY = {"frame-ancestors"}

# Features the app never uses (Permissions-Policy "feature=()" denies them to every origin).
DENIED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi",
    "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
)


def content_security_policy(meta=False):
    """The policy string; meta=True leaves out what a <meta> policy cannot carry."""
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in DIRECTIVES
                     if not (meta and name in HEADER_ONLY))


def permissions_policy():
    return ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


def security_headers():
    """{header name: value} every response of the app carries (besides COOP/COEP/CORP)."""
    return {
        "Content-Security-Policy": content_security_policy(),
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": permissions_policy(),
        "X-Content-Type-Options": "nosniff",
    }


def security_headers_js():
    """security_headers() as a JavaScript object literal (for the service worker template)."""
    return json.dumps(security_headers(), indent=2)


META_MARKER = "<!--CSP-->"


def meta_tag():
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(content_security_policy(meta=True))}">'


def add_meta(page_html, where="page"):
    """Replace the page's single META_MARKER (which must come before any script or stylesheet)
    with the policy's <meta> tag."""
    if page_html.count(META_MARKER) != 1:
        raise ValueError(f"{where}: marker {META_MARKER} must appear exactly once")
    head = page_html.split(META_MARKER)[0].lower()
    if "<script" in head or "<link" in head:
        raise ValueError(f"{where}: the policy must come before every script and link")
    return page_html.replace(META_MARKER, meta_tag())
