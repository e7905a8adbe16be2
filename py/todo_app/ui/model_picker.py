"""The model picker (#14): choose the assistant's model, bring your own GGUF, delete stored ones.

DOM ids (stable, for tests):
  #model-picker (<details>) > summary #model-current (the model in use),
  #model-list > li.model-entry[data-model-id][data-origin][data-stored][data-current]
      > input[type=radio][name=model-choice], .model-name, .model-facts, button.model-delete,
  #model-open-file (button) + #model-file (hidden <input type=file>), #model-drop (drop zone),
  #model-url-form > #model-url + #model-url-add,
  #model-import[hidden] > #model-import-progress (<progress>) + #model-import-text,
  #model-picker-status (role=status), #model-picker-error (role=alert), #model-storage.

Every name shown comes from a file or a header, so it is set as text (h(text=...)), never markup.
Adding a model: the header is read and checked (model_info: what is unsupported, named), then
the storage and the memory it needs are checked, and only then are its bytes copied; on any
problem nothing is stored and the model in use stays.
"""
import time

from js import document
from webgpu_llm import model_import as MI
from webgpu_llm.model_info import ModelInfo, bytes_text, fit_problem
from webgpu_llm.weights_cache import WeightsError, delete_model, storage_estimate

from ..assistant import catalog as C
from ..assistant import protocol as P
from ..assistant import session as S
from .dom import closest_data, h, listen, run_task
from .storage_info import storage_text

BUSY_STATES = (S.DOWNLOADING, S.LOADING, S.CHECKING)


class ModelPicker:
    def __init__(self, session, base_url, build_info, limits):
        self.session, self.base_url, self.build_info = session, base_url, build_info
        self.limits = limits          # () -> model_info limits of the device the app would use
        self.shard_size = MI.SHARD_SIZE
        self.entries = []
        self.importing = False
        self._build()
        session.on_change(lambda kind: kind == "state" and self.render())
        session.download_check = self.download_problem

    def _build(self):
        self.current = h("span", {"id": "model-current"}, text="…")
        self.list = h("ul", {"id": "model-list", "class": "model-list"})
        self.file_input = h("input", {"type": "file", "id": "model-file", "accept": ".gguf", "hidden": True})
        self.open_button = h("button", {"type": "button", "id": "model-open-file", "class": "button"},
                             text="Open a GGUF file…")
        self.drop = h("div", {"id": "model-drop", "class": "drop-zone"},
                      text="…or drop a .gguf file here.")
        self.url_input = h("input", {"type": "url", "id": "model-url", "placeholder": "https://…/model.gguf",
                                     "autocomplete": "off"})
        self.url_form = h("form", {"id": "model-url-form", "class": "model-url-form", "novalidate": True},
                          h("label", {"for": "model-url"}, text="From a URL (on this site)"),
                          self.url_input,
                          h("button", {"type": "submit", "id": "model-url-add", "class": "button"}, text="Add"))
        self.progress = h("progress", {"id": "model-import-progress", "max": "1",
                                       "aria-label": "Copy progress"})
        self.progress_text = h("span", {"id": "model-import-text"})
        self.progress_box = h("div", {"id": "model-import", "class": "progress-wrap", "hidden": True},
                              self.progress, self.progress_text)
        self.status = h("p", {"id": "model-picker-status", "role": "status"})
        self.error = h("p", {"id": "model-picker-error", "role": "alert", "class": "form-error"})
        self.storage = h("p", {"id": "model-storage", "class": "muted small"})
        self.element = h("details", {"id": "model-picker", "class": "model-picker"},
                         h("summary", {}, "Model: ", self.current),
                         h("fieldset", {"class": "model-choices"},
                           h("legend", {}, text="The assistant's model"), self.list),
                         h("div", {"class": "model-add"}, self.open_button, self.file_input, self.drop),
                         self.url_form, self.progress_box, self.status, self.error, self.storage)
        listen(self.open_button, "click", lambda ev: self.file_input.click())
        listen(self.file_input, "change", self._on_file)
        listen(self.drop, "dragover", self._on_dragover)
        listen(self.drop, "dragleave", lambda ev: self.drop.classList.remove("over"))
        listen(self.drop, "drop", self._on_drop)
        listen(self.url_form, "submit", self._on_url)
        listen(self.list, "change", self._on_choice)
        listen(self.list, "click", self._on_delete)

    # -- events ------------------------------------------------------------------------------
    def _on_file(self, ev):
        files = self.file_input.files
        if files and files.length:
            run_task(self.add(files.item(0)))
        self.file_input.value = ""  # the same file again fires "change" again

    def _on_dragover(self, ev):
        ev.preventDefault()  # allows the drop
        self.drop.classList.add("over")

    def _on_drop(self, ev):
        ev.preventDefault()
        self.drop.classList.remove("over")
        files = ev.dataTransfer.files if ev.dataTransfer else None
        if files and files.length:
            run_task(self.add(files.item(0)))

    def _on_url(self, ev):
        ev.preventDefault()
        text = str(self.url_input.value).strip()
        if text:
            run_task(self.add_url(text))

    def _on_choice(self, ev):
        if ev.target.name == "model-choice":
            run_task(self.choose(str(ev.target.value)))

    def _on_delete(self, ev):
        model_id = closest_data(ev.target, "delete")
        if model_id:
            run_task(self.delete(model_id))

    # -- actions -----------------------------------------------------------------------------
    async def refresh(self):
        """Read the catalog again; a saved choice that is gone falls back to the default."""
        self.entries = await C.load_catalog(self.base_url, self.build_info)
        current = getattr(self.session.client, "model_id", "")
        shipped = C.shipped_ids(self.build_info)
        if current and P.is_user_model(current) and not self._entry(current) and shipped:
            await self.choose(shipped[0], announce=False)  # deleted meanwhile (another tab)
        self.render()
        await self._refresh_storage()

    async def choose(self, model_id, announce=True):
        """Use this model from now on (kept across visits). If it cannot be loaded the previous
        one is taken back, with the reason."""
        entry = self._entry(model_id)
        client = self.session.client
        previous = getattr(client, "model_id", None)
        if entry is None or model_id == previous:
            self.render()
            return
        self._say("", "")
        try:
            await self.session.switch_model(model_id, entry.name)
        except P.AssistantError as error:
            self._say("", str(error))
            self.render()
            return
        if self.session.state == S.ERROR and previous and self._entry(previous):
            reason = self.session.reason
            await self.session.switch_model(previous, self._entry(previous).name)
            self._say("", f"{entry.name} could not be used: {reason} Back to {self._entry(previous).name}.")
        else:
            C.save_choice(model_id)
            if announce:
                self._say(f"Using {entry.name}.", "")
        self.render()

    async def add(self, source):
        """Check a File's (or URL's) header, then copy it into storage and use it."""
        if self.importing:
            return
        self.importing = True
        self.render()
        try:
            await self._add(source)
        except (MI.ImportProblem, WeightsError) as error:
            self._say("", str(error))
        finally:
            self.importing = False
            self.progress_box.hidden = True
            self.render()
            await self._refresh_storage()

    async def add_url(self, text):
        from js import URL, location
        try:
            url = str(URL.new(text, location.href).href)
        except Exception:
            self._say("", f"Not a URL: {text}")
            return
        if not url.startswith(("http://", "https://")):
            self._say("", f"Only http(s) URLs can be downloaded, not {text}")
            return
        if str(URL.new(url).origin) != str(location.origin):
            self._say("", f"{url}: this app may only download from its own site (its Content-Security-"
                          "Policy keeps every connection on this site). Download the file yourself, "
                          "then use “Open a GGUF file…”.")
            return
        await self.add(url)

    async def _add(self, source):
        name = MI.source_name(source)
        self._say(f"Reading the header of {name}…", "")
        head = await MI.inspect_source(source)
        estimate = await storage_estimate()
        origin, model_id = self._identify(source, head)
        stored = self._entry(model_id)
        free = estimate["quota"] - estimate["usage"] if estimate["quota"] else None
        problem = fit_problem(head.info, self.limits(), None if stored else free)
        if problem:
            raise MI.ImportProblem(f"{name}: {problem}")
        if not stored:
            await self._copy(source, head, origin, model_id)
            self.entries = await C.load_catalog(self.base_url, self.build_info)
        await self.choose(model_id, announce=False)
        if getattr(self.session.client, "model_id", None) == model_id:
            self._say(f"{name} is stored on this device and in use.", "")

    def _identify(self, source, head):
        if isinstance(source, str):
            return "url", C.user_model_id("url", source)
        key = C.file_key(head.file_name, head.size, int(source.lastModified or 0))
        return "file", C.user_model_id("file", key)

    async def _copy(self, source, head, origin, model_id):
        self._say(f"Copying {head.file_name} into this browser's storage…", "")
        self.progress_box.hidden = False
        self.progress.value = 0
        extra = {"name": head.info.name or head.file_name, "file_name": head.file_name,
                 "info": head.info.to_json(), "added": time.time(),
                 "source_url": source if origin == "url" else ""}
        await MI.import_model(source, head.size, model_id, P.manifest_url(self.base_url, model_id),
                              extra, self._on_progress, self.shard_size)

    def _on_progress(self, done, total):
        self.progress.value = done / total if total else 0
        self.progress_text.textContent = f"{bytes_text(done)} / {bytes_text(total)}"

    async def delete(self, model_id):
        entry = self._entry(model_id)
        if entry is None or model_id == getattr(self.session.client, "model_id", None):
            return
        await delete_model(model_id)
        self._say(f"Deleted {entry.name} from this device.", "")
        await self.refresh()
        self.open_button.focus()

    def download_problem(self):
        """Why the model in use cannot run on this device (its build-time header facts against
        the device's limits), checked before its download starts; None if it fits or is unknown."""
        entry = self._entry(getattr(self.session.client, "model_id", None))
        if entry is None or not entry.info or not entry.info.get("plan"):
            return None
        return fit_problem(ModelInfo.from_json(entry.info), self.limits())

    # -- rendering ---------------------------------------------------------------------------
    def _entry(self, model_id):
        return next((e for e in self.entries if e.model_id == model_id), None)

    def _say(self, status, error):
        self.status.textContent, self.error.textContent = status, error

    async def _refresh_storage(self):
        estimate = await storage_estimate()
        self.storage.dataset.usage, self.storage.dataset.quota = estimate["usage"], estimate["quota"]
        self.storage.textContent = storage_text(estimate)

    def render(self):
        current = getattr(self.session.client, "model_id", None)
        busy = self.importing or self.session.state in BUSY_STATES or self.session.generating
        entry = self._entry(current)
        self.current.textContent = entry.name if entry else (self.session.model_name or "…")
        focused = document.activeElement
        focused_id = focused.id if focused and self.list.contains(focused) else None
        self.list.replaceChildren(*[self._row(e, e.model_id == current, busy) for e in self.entries])
        again = document.getElementById(focused_id) if focused_id else None
        if again:  # rows are rebuilt: keep keyboard focus on the same control (arrow keys in the group)
            again.focus()
        for control in (self.open_button, self.url_input, self.url_form.querySelector("button")):
            control.disabled = self.importing

    def _row(self, entry, current, busy):
        radio = h("input", {"type": "radio", "name": "model-choice", "value": entry.model_id,
                            "id": "model-choice-" + entry.model_id, "checked": current,
                            "disabled": busy and not current})
        delete = None
        if entry.stored and not current:
            delete = h("button", {"type": "button", "class": "button small danger model-delete",
                                  "data-delete": entry.model_id, "disabled": busy,
                                  "id": "model-delete-" + entry.model_id,
                                  "aria-label": f"Delete {entry.name}"}, text="Delete")
        origin = {"shipped": "", "file": f" (your file {entry.file_name})",
                  "url": f" (from {entry.source_url})"}[entry.origin]
        return h("li", {"class": "model-entry", "data-model-id": entry.model_id, "data-origin": entry.origin,
                        "data-stored": str(entry.stored).lower(), "data-current": str(current).lower()},
                 h("label", {"for": "model-choice-" + entry.model_id}, radio,
                   h("span", {"class": "model-name"}, text=entry.name + origin)),
                 h("p", {"class": "model-facts muted small"}, text=C.facts_text(entry)), delete)


def current_limits(report_source, backend_source):
    """limits() for the picker: from the WebGPU report (a JSON string) and the backend choice."""
    import json

    def limits():
        return C.load_limits(json.loads(report_source() or "{}"), backend_source())
    return limits

