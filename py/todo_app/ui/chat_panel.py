"""The assistant panel: model state (a small state machine, always visible), chat, diagnostics.

DOM ids (stable, for tests and the engine wiring):
  #model-state[data-state=checking|unsupported|not-downloaded|downloading|loading|ready|error]
  #model-state-text (role=status), #model-progress (<progress>), #model-progress-text,
  #model-download, #model-retry,
  #chat-log (role=log, aria-live) > .msg[data-role=user|assistant][data-status=...] > .msg-body,
    replies' cards and choices: see action_card.py,
  #chat-form, #chat-input (textarea), #chat-send, #chat-stop, #chat-clear, #chat-hint,
  #diagnostics (<details>) holding #gpu-check.
"""
from js import document

from ..assistant import session as S
from ..reply_format import parse
from .action_card import reply_nodes
from .dom import closest_data, h, listen, run_task

MODEL_LABEL = "the assistant's model"


def mb(n):
    return f"{n / 1e6:.1f} MB"


def render_reply(container, text):
    """Fill container with the formatted reply, built from elements and text nodes only."""
    nodes = []
    for kind, lines in parse(text):
        if kind == "p":
            p = h("p")
            for i, line in enumerate(lines):
                if i:
                    p.appendChild(h("br"))
                _spans(p, line)
            nodes.append(p)
        else:
            lst = h(kind)
            for line in lines:
                li = h("li")
                _spans(li, line)
                lst.appendChild(li)
            nodes.append(lst)
    container.replaceChildren(*nodes)
    return container


def _spans(parent, spans):
    for kind, text in spans:
        if kind == "bold":
            parent.appendChild(h("strong", text=text))
        elif kind == "code":
            parent.appendChild(h("code", text=text))
        else:
            parent.appendChild(document.createTextNode(text))


class ChatPanel:
    def __init__(self, root, session, diagnostics_children=()):
        self.root = root
        self.session = session
        self._build(diagnostics_children)
        session.on_change(self._on_change)
        self.render_state()
        self.render_conversation()

    def _build(self, diagnostics_children):
        self.state_box = h("div", {"id": "model-state", "class": "model-state", "data-state": "checking"})
        self.state_text = h("div", {"id": "model-state-text", "role": "status", "tabindex": "-1"})
        self.progress = h("progress", {"id": "model-progress", "max": "1",
                                       "aria-labelledby": "model-progress-label"})
        self.progress_text = h("span", {"id": "model-progress-text"})
        self.progress_label = h("span", {"id": "model-progress-label", "class": "visually-hidden"},
                                text="Progress")
        self.progress_wrap = h("div", {"class": "progress-wrap", "hidden": True},
                               self.progress_label, self.progress, self.progress_text)
        self.download_button = h("button", {"type": "button", "id": "model-download",
                                            "class": "button primary", "hidden": True},
                                 text="Download model")
        self.retry_button = h("button", {"type": "button", "id": "model-retry", "class": "button",
                                         "hidden": True}, text="Retry")
        self.state_box.append(self.state_text, self.progress_wrap,
                              h("div", {"class": "model-actions"}, self.download_button, self.retry_button))

        self.log = h("div", {"id": "chat-log", "class": "chat-log", "role": "log", "aria-live": "polite",
                             "aria-label": "Conversation with the assistant"})
        self.input = h("textarea", {"id": "chat-input", "rows": "2", "maxlength": "2000",
                                    "aria-describedby": "chat-hint",
                                    "placeholder": "e.g. What is overdue?"})
        self.send_button = h("button", {"type": "submit", "id": "chat-send", "class": "button primary"},
                             text="Send")
        self.stop_button = h("button", {"type": "button", "id": "chat-stop", "class": "button"}, text="Stop")
        self.clear_button = h("button", {"type": "button", "id": "chat-clear", "class": "button"},
                              text="Clear conversation")
        self.hint = h("p", {"id": "chat-hint", "class": "muted small"})
        self.form = h("form", {"id": "chat-form", "class": "chat-form", "aria-label": "Ask the assistant"},
                      h("label", {"for": "chat-input"}, text="Ask about your to-dos"),
                      self.input, self.hint,
                      h("div", {"class": "chat-actions"}, self.send_button, self.stop_button,
                        self.clear_button))
        self.diagnostics = h("details", {"id": "diagnostics", "class": "diagnostics"},
                             h("summary", {}, text="Diagnostics"), *diagnostics_children)
        self.root.replaceChildren(self.state_box, self.log, self.form, self.diagnostics)

        listen(self.download_button, "click", self._on_download)
        listen(self.retry_button, "click", self._on_retry)
        listen(self.form, "submit", self._on_submit)
        listen(self.input, "keydown", self._on_keydown)
        listen(self.stop_button, "click", lambda ev: run_task(self.session.stop()))
        listen(self.clear_button, "click", self._on_clear)
        listen(self.log, "click", self._on_reply_click)

    # -- events ------------------------------------------------------------------------------
    def _on_download(self, ev):
        self.state_text.focus()  # the button disappears; keep focus where the news is
        run_task(self.session.download())

    def _on_retry(self, ev):
        self.state_text.focus()
        run_task(self.session.retry())

    def _on_keydown(self, ev):
        if ev.key == "Enter" and not ev.shiftKey and not ev.isComposing:
            ev.preventDefault()
            self.form.requestSubmit()

    def _on_submit(self, ev):
        ev.preventDefault()
        text = str(self.input.value)
        if not text.strip() or not self.session.can_send:
            return
        self.input.value = ""
        run_task(self.session.send(text))

    def _on_reply_click(self, ev):
        """Apply / Cancel on a proposed change, or a choice of an unsure reply (delegated)."""
        kind = closest_data(ev.target, "reply-action")
        entry_index = closest_data(ev.target, "entry")
        if kind is None or entry_index is None:
            return
        entry = self.session.conversation[int(entry_index)]
        if kind == "choose":
            run_task(self.session.choose(entry, closest_data(ev.target, "tool")))
            return
        index = int(closest_data(ev.target, "index"))
        if kind == "apply":
            self.session.apply(entry, index)
        elif kind == "cancel":
            self.session.cancel(entry, index)
        self._focus_outcome(int(entry_index))

    def _focus_outcome(self, entry_index):
        """Keep keyboard focus in the reply after its buttons were replaced by the outcome."""
        message = self.log.children.item(entry_index) if entry_index < self.log.children.length else None
        target = message.querySelector("button:not([disabled]), .action-outcome") if message else None
        if target:
            if not target.hasAttribute("tabindex") and target.tagName != "BUTTON":
                target.setAttribute("tabindex", "-1")
            target.focus()

    def _on_clear(self, ev):
        run_task(self.session.clear())
        if not self.input.disabled:
            self.input.focus()

    def _on_change(self, kind):
        if kind == "state":
            self.render_state()
        elif kind == "progress":
            self.render_progress()
        elif kind == "conversation":
            self.render_conversation()
            self.render_controls()
        elif kind == "reply":
            self.render_last_reply()

    # -- rendering ---------------------------------------------------------------------------
    def render_state(self):
        s = self.session
        self.state_box.dataset.state = s.state
        name = s.model_name or MODEL_LABEL
        size = f" ({mb(s.size_bytes)})" if s.size_bytes else ""
        texts = {
            S.CHECKING: [h("p", {}, text="Checking the assistant…")],
            S.NOT_DOWNLOADED: [h("p", {}, text=f"The assistant's model, {name}, is not on this device yet. "
                                               f"It is a one-time download{size}; after that it works "
                                               f"offline and nothing you type leaves this device.")],
            S.DOWNLOADING: [h("p", {}, text=f"Downloading {name}…")],
            S.LOADING: [h("p", {}, text=f"Loading {name}…")],
            S.READY: [h("p", {}, text=f"Ready: {name} runs on this device"
                                    + (f", {s.device['summary']}." if s.device else "."))],
            S.ERROR: [h("p", {}, text="The assistant is unavailable: " + (s.reason or "unknown error."))],
            S.UNSUPPORTED: unsupported_message(s.reason),
        }
        self.state_text.replaceChildren(*[n for n in texts.get(s.state, [h("p", {}, text=s.state)]) if n])
        self.download_button.hidden = s.state != S.NOT_DOWNLOADED
        self.download_button.textContent = f"Download model{size}"
        self.retry_button.hidden = s.state != S.ERROR
        self.progress_wrap.hidden = s.state not in (S.DOWNLOADING, S.LOADING)
        self.render_progress()
        self.render_controls()
        if s.state == S.READY and document.activeElement == self.state_text:
            self.input.focus()
        elif s.state == S.ERROR and document.activeElement == self.state_text:
            self.retry_button.focus()
        elif s.state == S.NOT_DOWNLOADED and document.activeElement == self.state_text:
            self.download_button.focus()

    def render_progress(self):
        s = self.session
        if s.state not in (S.DOWNLOADING, S.LOADING):
            return
        p = s.progress
        fraction = p.fraction
        if fraction is None:
            self.progress.removeAttribute("value")  # indeterminate
        else:
            self.progress.value = fraction
        if s.state == S.DOWNLOADING:
            parts = [f"{mb(p.done)} / {mb(p.total)}" if p.total else mb(p.done)]
            if fraction is not None:
                parts.append(f"{fraction * 100:.0f}%")
            if p.speed:
                parts.append(f"{p.speed / 1e6:.1f} MB/s")
            self.progress_label.textContent = "Download progress"
        else:
            parts = [f"{fraction * 100:.0f}%"] if fraction is not None else ["working…"]
            self.progress_label.textContent = "Loading progress"
        self.progress_text.textContent = " · ".join(parts)

    def render_controls(self):
        s = self.session
        ready = s.state == S.READY
        self.input.disabled = not ready
        self.send_button.disabled = not s.can_send
        self.stop_button.disabled = not s.generating
        self.clear_button.disabled = not s.conversation
        if s.state == S.UNSUPPORTED:
            hint = "Chat needs WebGPU or WebAssembly SIMD (see above). Your to-do list works without them."
        elif not ready:
            hint = "Chat opens once the model is ready."
        elif s.generating:
            hint = "Answering… Stop ends the reply."
        else:
            hint = ("Enter sends, Shift+Enter starts a new line. The assistant proposes changes; "
                    "nothing changes until you press Apply.")
        self.hint.textContent = hint

    def _message(self, entry, index):
        role = entry["role"]
        body = h("div", {"class": "msg-body"})
        el = h("div", {"class": f"msg {role}", "data-role": role, "data-status": entry.get("status", "done")},
               h("span", {"class": "msg-who"}, text="You" if role == "user" else "Assistant"), body)
        el.dataset.entry = index
        self._fill(el, body, entry)
        return el

    def _fill(self, el, body, entry):
        status = entry.get("status", "done")
        el.dataset.status = status
        if entry["role"] == "user":
            body.replaceChildren(h("p", {}, text=entry["content"]))
        else:
            render_reply(body, entry["content"])
            if entry.get("reply"):
                for node in reply_nodes(int(el.dataset.entry), entry):
                    body.appendChild(node)
            if status == "streaming" and not entry["content"]:
                body.replaceChildren(h("p", {"class": "muted"}, text="Thinking…"))
            if status == "stopped":
                body.appendChild(h("p", {"class": "muted small"}, text="(stopped)"))
            if status == "error":
                body.appendChild(h("p", {"class": "form-error"},
                                   text="No answer: " + entry.get("error", "unknown error")))
        if status == "streaming":
            el.setAttribute("aria-busy", "true")
        else:
            el.removeAttribute("aria-busy")

    def render_conversation(self):
        conversation = self.session.conversation
        if not conversation:
            self.log.replaceChildren(h("p", {"class": "muted chat-empty"},
                                       text="Ask about your list or tell it what to change, for "
                                            "example “What is overdue?” or “Add buy bread for "
                                            "tomorrow”."))
            return
        self.log.replaceChildren(*[self._message(m, i) for i, m in enumerate(conversation)])
        self.log.scrollTop = self.log.scrollHeight

    def render_last_reply(self):
        conversation = self.session.conversation
        last = self.log.lastElementChild
        if not conversation or not last or not last.classList.contains("msg"):
            self.render_conversation()
            return
        self._fill(last, last.querySelector(".msg-body"), conversation[-1])
        self.log.scrollTop = self.log.scrollHeight


def unsupported_message(reason):
    tips = h("ul", {"class": "tips"},
             h("li", {}, "Use Chrome or Edge, version 113 or newer, on a device with a GPU."),
             h("li", {}, "On Linux, start Chrome or Chromium with ",
               h("code", {}, text="--enable-unsafe-webgpu"),
               " (or turn on ", h("code", {}, text="chrome://flags/#enable-unsafe-webgpu"), ")."))
    return [h("p", {"class": "unsupported-title"},
              text="The assistant needs WebGPU or WebAssembly SIMD, and this browser offers neither."),
            tips,
            h("p", {"class": "muted small"}, text=f"Details: {reason}") if reason else None,
            h("p", {}, text="Your to-do list works fully without it.")]
