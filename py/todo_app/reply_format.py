"""Light formatting of model replies, parsed into plain data (the DOM side builds elements from it).

Supported: paragraphs (blank line), line breaks, bullet lists (-, *, •), numbered lists (1. / 1)),
**bold**, `code`, and "# heading" lines (shown as bold paragraphs). Everything else — including
anything that looks like HTML — stays literal text. Unclosed markers (mid-stream) stay literal.

    parse(text) -> [Block]
    Block = ("p", [Line]) | ("ul", [Line]) | ("ol", [Line])     # for p: the lines of the paragraph
    Line  = [Span];  Span = (kind, text) with kind in {"text", "bold", "code"}
"""
import re

_BULLET = re.compile(r"^\s{0,3}[-*•]\s+(.*)$")
_NUMBER = re.compile(r"^\s{0,3}\d{1,3}[.)]\s+(.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_INLINE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|`([^`\n]+)`")


def inline(text):
    """[(kind, text)] for one line: bold and code spans, the rest plain text."""
    spans, pos = [], 0
    for match in _INLINE.finditer(text):
        if match.start() > pos:
            spans.append(("text", text[pos:match.start()]))
        if match.group(1) is not None:
            spans.append(("bold", match.group(1)))
        else:
            spans.append(("code", match.group(2)))
        pos = match.end()
    if pos < len(text):
        spans.append(("text", text[pos:]))
    return spans


def parse(text):
    blocks = []
    current = None  # (kind, lines)

    def close():
        nonlocal current
        if current is not None and current[1]:
            blocks.append(current)
        current = None

    for raw in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            close()
            continue
        bullet, number, heading = _BULLET.match(line), _NUMBER.match(line), _HEADING.match(line)
        if bullet or number:
            kind = "ul" if bullet else "ol"
            if current is None or current[0] != kind:
                close()
                current = (kind, [])
            current[1].append(inline((bullet or number).group(1)))
        elif heading:
            close()
            blocks.append(("p", [[("bold", heading.group(1))]]))
        else:
            if current is None or current[0] != "p":
                close()
                current = ("p", [])
            current[1].append(inline(line.strip()))
    close()
    return blocks


def plain_text(blocks):
    """The visible text of parsed blocks (for tests and copy)."""
    out = []
    for kind, lines in blocks:
        out.append("\n".join("".join(t for _, t in line) for line in lines))
    return "\n\n".join(out)
