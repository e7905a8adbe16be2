"""Diagnostics: which backend runs the model and why, and the person's choice of one.

The choice (protocol.BACKENDS) is kept in localStorage; `?backend=` in the page URL overrides it
for one visit (tests, support). Changing it while the model is loaded loads it again there.
"""
from js import URLSearchParams, localStorage, location

from ..assistant import protocol as P
from .dom import h, listen, run_task

STORAGE_KEY = "todo-assistant:backend"


def saved_choice():
    """The backend asked for: the URL's ?backend=, else the stored choice, else "auto"."""
    wanted = URLSearchParams.new(location.search).get("backend") or localStorage.getItem(STORAGE_KEY)
    return wanted if wanted in P.BACKENDS else "auto"


class BackendChoice:
    """A line saying what runs the model, and a <select> to force WebGPU or the CPU."""

    def __init__(self, session):
        self.session = session
        choice = saved_choice()
        if choice != "auto":  # "auto" is the engine's default: clients need not know the option
            session.load_options = {**session.load_options, "backend": choice}
        self.line = h("p", {"id": "backend-line"}, text="The model is not loaded yet.")
        self.select = h("select", {"id": "backend-choice"},
                        *[h("option", {"value": b}, text=P.BACKEND_LABELS[b]) for b in P.BACKENDS])
        self.select.value = choice
        self.element = h("div", {"class": "backend-choice"}, self.line,
                         h("label", {"for": "backend-choice"}, text="Run the model on "), self.select)
        listen(self.select, "change", self._on_change)
        session.on_change(lambda kind: kind == "state" and self.render())

    def _on_change(self, ev):
        choice = self.select.value
        localStorage.setItem(STORAGE_KEY, choice)
        run_task(self.session.use_backend(choice))

    def render(self):
        device = self.session.device
        if self.session.state == P.READY and device:
            self.line.dataset.backend = device["backend"]
            self.line.textContent = f"Model {device['summary']}. {device['reason']}"
        elif self.session.state != P.READY:
            self.line.textContent = "The model is not loaded yet."
