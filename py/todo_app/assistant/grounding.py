"""What the model is told: the fixed tool prompt, and the list when (and only when) it needs it.

A reply is made in up to two phases, each one chat turn of the model:

  1. the system prompt (fixed: the tools) and the user's request → the model picks a tool and the
     arguments it can take from the request alone (a status, a filter, a date word, a new title).
     The model does not see the list here, so no to-do title can steer which tool runs.
  2. only for tools that act on one to-do (and `answer`): a `tool` turn lists the to-dos with
     numbers → the model picks one title (or writes its answer).

The exact texts (including the assistant turns in `tool_text` / `target_text`) are the format the
assistant model is tuned on: change them only together with the training data.
"""
SYSTEM = """You are the assistant of a to-do list app. Reply to the user's message with one tool call.
Tools:
count: how many to-dos (status: open, done or all)
list: show to-dos (filter: open, done, all, overdue, week, or a date)
duplicates: find to-dos that are listed twice
search: find to-dos by words
add: add a new to-do (title, due date or none)
complete: mark a to-do done
reopen: mark a done to-do as not done
delete: remove a to-do
rename: give a to-do a new title
set_due: change a to-do's due date
answer: any other request about the list (plan, order, group, translate)
decline: the message is not about the to-do list"""

MAX_LISTED = 60            # to-dos shown in phase 2 (the most relevant ones when there are more)
MAX_TITLE_CHARS = 120      # longer titles are cut in the prompt (and in the grammar alike)
MAX_REQUEST_CHARS = 500


def clip_title(title):
    title = " ".join(str(title).split())
    return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1] + "…"


def request_messages(request):
    """Phase 1: the tool prompt and the user's request."""
    request = " ".join(str(request).split())[:MAX_REQUEST_CHARS]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": request}]


def list_text(todos, today):
    """Phase 2's tool turn: today's date and the numbered to-dos with status and due date."""
    lines = [f"Today is {today.strftime('%A')}, {today.isoformat()}.", "To-dos:"]
    for n, todo in enumerate(todos, start=1):
        status = "done" if todo.done else "open"
        due = f", due {todo.due}" if todo.due else ""
        lines.append(f"{n}. {clip_title(todo.title)} ({status}{due})")
    if not todos:
        lines.append("(none)")
    return "\n".join(lines)


def target_messages(request, tool_text, todos, today):
    """Phase 2: phase 1 plus the model's tool call and the list."""
    return [*request_messages(request), {"role": "assistant", "content": tool_text},
            {"role": "tool", "content": list_text(todos, today)}]
