"""Test hooks, installed only when the page URL has `?testhooks` in it.

window.todoAppTest.run(code) runs Python (top-level await allowed) with `app` (todo_app.main.APP)
and `js` in scope and resolves to str() of the value of the last expression. Browser tests use it
to reach pure-Python pieces (e.g. the reply formatter) in the real page. It gives a page script
nothing it could not already do, and normal visits never install it.
"""
import asyncio

import js
from pyodide.code import eval_code_async
from pyodide.ffi import create_proxy

_KEEP = []


def install(app):
    if "testhooks" not in str(js.location.search):
        return False
    namespace = {"app": app, "js": js}

    async def run(code):
        result = await eval_code_async(str(code), globals=namespace)
        return None if result is None else str(result)

    def run_js(code):
        return asyncio.ensure_future(run(code))

    proxy = create_proxy(run_js)
    _KEEP.append(proxy)
    hooks = js.Object.new()
    hooks.run = proxy
    js.window.todoAppTest = hooks
    return True
