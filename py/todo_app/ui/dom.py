"""Small DOM helpers: build elements from Python without HTML strings, and run async handlers."""
import asyncio
import datetime as _dt
import traceback

from js import Date, console, document
from pyodide.ffi import create_proxy

_KEEP = []  # proxies of long-lived listeners (the views live as long as the page)


def h(tag, attrs=None, *children, text=None):
    """createElement(tag) with attributes, children (elements or strings, as text nodes) and text.

    attrs: {"class": ..., "id": ..., "hidden": True, "data-x": ..., "aria-label": ...}; False/None
    values are skipped. Strings always become text nodes, never markup.
    """
    el = document.createElement(tag)
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        el.setAttribute(name, "" if value is True else str(value))
    if text is not None:
        el.textContent = str(text)
    for child in children:
        if child is None:
            continue
        el.appendChild(document.createTextNode(child) if isinstance(child, str) else child)
    return el


def set_attr(el, name, value):
    if value is None or value is False:
        el.removeAttribute(name)
    else:
        el.setAttribute(name, "" if value is True else str(value))


def listen(target, event, handler):
    """addEventListener with a proxy that lives as long as the page. Async handlers are scheduled
    as tasks; errors are logged instead of vanishing."""
    def wrapper(ev):
        try:
            result = handler(ev)
            if asyncio.iscoroutine(result):
                run_task(result)
        except Exception:
            console.error(traceback.format_exc())
    proxy = create_proxy(wrapper)
    _KEEP.append(proxy)
    target.addEventListener(event, proxy)
    return proxy


def run_task(coro):
    task = asyncio.ensure_future(coro)

    def report(t):
        if not t.cancelled() and t.exception() is not None:
            console.error("".join(traceback.format_exception(t.exception())))
    task.add_done_callback(report)
    return task


def local_today():
    """The user's local date (from JS: Python's clock in Pyodide may not know the time zone)."""
    d = Date.new()
    return _dt.date(int(d.getFullYear()), int(d.getMonth()) + 1, int(d.getDate()))


def closest_data(el, name):
    """The data-NAME value of el or its nearest ancestor that has one (event delegation)."""
    node = el
    while node and getattr(node, "nodeType", 0) == 1:
        if node.hasAttribute("data-" + name):
            return node.getAttribute("data-" + name)
        node = node.parentElement
    return None
