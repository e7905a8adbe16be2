"""A static file server for dist/ with the headers the app needs.

Cross-origin isolation (COOP/COEP) lets the PyScript worker share memory with the page; the
MIME types matter: Pyodide hangs if .wasm is not served as application/wasm. Every response also
carries the app's security headers (Content-Security-Policy and friends, from tools/csp.py).
"""
import functools
import http.server
import threading

from tools.csp import security_headers

MIME = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wgsl": "text/plain; charset=utf-8",
    ".gguf": "application/octet-stream",
    ".whl": "application/zip",
    ".py": "text/plain; charset=utf-8",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}
    isolation = True
    csp = True  # False: no Content-Security-Policy (the bench pages only; they are never shipped)

    def end_headers(self):
        if self.isolation:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            self.send_header("Cross-Origin-Resource-Policy", "same-origin")
            for name, value in security_headers().items():
                if self.csp or name != "Content-Security-Policy":
                    self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # quiet: tests and `serve` print what matters
        pass


class PlainHandler(Handler):
    """No special headers (no isolation, no security headers): what a basic static host sends."""
    isolation = False


def make_server(directory, port=0, isolation=True, csp=True):
    base = Handler if isolation else PlainHandler
    if not csp:
        base = type("NoCspHandler", (base,), {"csp": False})
    handler = functools.partial(base, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def serve_in_background(directory, port=0, isolation=True, csp=True):
    """Start a server on a free port in a daemon thread; returns (server, base_url)."""
    server = make_server(directory, port, isolation, csp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
