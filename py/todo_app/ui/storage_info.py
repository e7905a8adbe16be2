"""Diagnostics: how much this app stores, how much the browser lets it store, and whether the
browser keeps it when space runs low (navigator.storage.estimate / persisted).

#storage-check[data-usage][data-quota][data-persisted=true|false|unknown] holds the line; it is
refreshed when the Diagnostics panel is opened and after each change of the model's state (a
download stores ~100 MB and asks for persistence).
"""
from webgpu_llm.weights_cache import storage_estimate

from .dom import h, listen, run_task

PERSISTENCE = {
    True: "persistent: yes (the browser keeps the list and the model when space runs low)",
    False: "persistent: no (the browser may clear the stored model when the disk is nearly full; "
           "the list is small and stays unless you clear the site's data)",
    None: "persistent: unknown",
}


def size_text(n):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def storage_text(estimate):
    """The sentence for an estimate {"usage", "quota", "persisted"} (storage_estimate's shape)."""
    persisted = PERSISTENCE[estimate.get("persisted")]
    if not estimate.get("quota"):
        return f"Storage: this browser does not say how much space the app uses; {persisted}."
    free = max(0, estimate["quota"] - estimate["usage"])
    return (f"Storage: {size_text(estimate['usage'])} used, {size_text(free)} available "
            f"to this app; {persisted}.")


class StorageInfo:
    def __init__(self):
        self.line = h("p", {"id": "storage-check"}, text="Storage: checking…")

    def watch(self, session, details):
        """Refresh now, when `details` (the Diagnostics panel) is opened, and after each change of
        the model's state (downloaded, failed)."""
        session.on_change(lambda kind: kind == "state" and run_task(self.refresh()))
        listen(details, "toggle", lambda ev: details.open and run_task(self.refresh()))
        run_task(self.refresh())

    async def refresh(self):
        estimate = await storage_estimate()
        persisted = estimate.get("persisted")
        self.line.dataset.usage = estimate["usage"]
        self.line.dataset.quota = estimate["quota"]
        self.line.dataset.persisted = "unknown" if persisted is None else str(bool(persisted)).lower()
        self.line.textContent = storage_text(estimate)
