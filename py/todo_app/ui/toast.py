"""The toast: one short message at a time in a persistent live region, with an optional Undo.

Test hooks (stable ids): #toast, #toast-text, #toast-undo, #toast-close.
"""
import asyncio

from js import document

from .dom import h, listen, run_task

TOAST_SECONDS = 10


class Toast:
    """One toast at a time in a persistent live region; optional Undo action."""

    def __init__(self, parent):
        self.region = h("div", {"id": "toast-region", "class": "toast-region", "role": "status",
                                "aria-live": "polite"})
        self.text = h("span", {"id": "toast-text"})
        self.undo_button = h("button", {"type": "button", "id": "toast-undo", "class": "button",
                                        "aria-keyshortcuts": "Control+Z"}, text="Undo")
        self.close_button = h("button", {"type": "button", "id": "toast-close", "class": "button ghost",
                                         "aria-label": "Dismiss message"}, text="✕")
        self.box = h("div", {"id": "toast", "class": "toast", "hidden": True},
                     self.text, self.undo_button, self.close_button)
        self.region.appendChild(self.box)
        parent.appendChild(self.region)
        self.on_undo = None
        self._serial = 0
        listen(self.undo_button, "click", self._undo)
        listen(self.close_button, "click", lambda ev: self.hide())
        listen(self.box, "keydown", self._keydown)

    def show(self, message, on_undo=None):
        self._serial += 1
        self.on_undo = on_undo
        self.text.textContent = message
        self.undo_button.hidden = on_undo is None
        self.box.hidden = False
        run_task(self._hide_later(self._serial))

    async def _hide_later(self, serial):
        await asyncio.sleep(TOAST_SECONDS)
        # Keyboard users get the time they need: never hide while focus is inside the toast.
        while serial == self._serial and self.box.contains(document.activeElement):
            await asyncio.sleep(1)
        if serial == self._serial:
            self.hide()

    def hide(self):
        self._serial += 1
        had_focus = self.box.contains(document.activeElement)
        self.box.hidden = True
        self.text.textContent = ""
        self.on_undo = None
        if had_focus:
            document.getElementById("todo-new-title").focus()

    def _undo(self, ev):
        action, self.on_undo = self.on_undo, None
        self.hide()
        if action is not None:
            action()

    def _keydown(self, ev):
        if ev.key == "Escape":
            self.hide()
