"""todo_app: the to-do list and its on-device assistant, rendered into the DOM from PyScript."""
