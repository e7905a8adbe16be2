"""Export / import of the list as a JSON file, and the message area that reports the outcome.

Test hooks: #todo-export, #todo-import-file, #todo-import-label, #todo-message[data-kind] and its
.message-details list.
"""
from js import Blob, Object, URL, document, setTimeout
from pyodide.ffi import create_once_callable, to_js

from ..todos import MAX_IMPORT_BYTES
from .dom import h, local_today

MAX_DETAILS_SHOWN = 10


class ImportFailed(Exception):
    """Nothing was imported (the message says why, for the user)."""


def transfer_controls():
    """(export button, hidden file input, the label that opens it)."""
    export_button = h("button", {"type": "button", "id": "todo-export", "class": "button"},
                      text="Export to file")
    import_input = h("input", {"type": "file", "id": "todo-import-file",
                               "class": "visually-hidden", "accept": "application/json,.json"})
    import_label = h("label", {"for": "todo-import-file", "id": "todo-import-label",
                               "class": "button file-button"}, text="Import from file")
    return export_button, import_input, import_label


def save_json_file(text):
    """Offer `text` as a download named todos-YYYY-MM-DD.json."""
    blob = Blob.new(to_js([text]), to_js({"type": "application/json"}, dict_converter=Object.fromEntries))
    url = URL.createObjectURL(blob)
    link = h("a", {"href": url, "download": f"todos-{local_today().isoformat()}.json", "hidden": True})
    document.body.appendChild(link)
    link.click()
    link.remove()
    setTimeout(create_once_callable(lambda: URL.revokeObjectURL(url)), 10_000)


async def import_chosen_file(file_input, todos):
    """Import the file picked in `file_input` into `todos`: (file name, import report), or None when
    no file was picked. Raises ImportFailed when the file is too large or cannot be read."""
    files = file_input.files
    file = files.item(0) if files and files.length else None
    if not file:
        return None
    name = str(file.name)
    try:
        if file.size > MAX_IMPORT_BYTES:
            raise ImportFailed(f"Nothing was imported: {name} is larger than "
                               f"{MAX_IMPORT_BYTES // 1_000_000} MB.")
        text = await file.text()
        return name, todos.import_json(str(text))
    except ImportFailed:
        raise
    except Exception as error:
        raise ImportFailed(f"Nothing was imported: could not read {name} ({error}).") from error
    finally:
        file_input.value = ""  # picking the same file again fires "change" again


def fill_message_area(area, text, kind="ok", details=()):
    """The message area's text, its kind (ok, warning, error) and up to MAX_DETAILS_SHOWN details."""
    area.dataset.kind = kind
    children = [h("p", {}, text=text)]
    details = list(details)
    if details:
        shown = details[:MAX_DETAILS_SHOWN]
        items = [h("li", {}, text=line) for line in shown]
        if len(details) > len(shown):
            items.append(h("li", {}, text=f"… and {len(details) - len(shown)} more."))
        children.append(h("ul", {"class": "message-details"}, *items))
    area.replaceChildren(*children)
