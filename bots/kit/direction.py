"""Right-to-left replies: which lines need a direction mark, and which mark.

Chat clients (Telegram, Discord, Slack, terminals) have no paragraph-direction setting that a
bot can use: each applies the Unicode bidi algorithm per paragraph, and a paragraph's direction
is that of its first strong character. An Arabic line that starts with Latin text
("/start — …", "München، ألمانيا") is then laid out left to right. A RIGHT-TO-LEFT MARK at
its start makes it read right to left. Lines with no right-to-left letter at all (a URL, a
command, a Latin name alone) are left as they are: an LTR run in an RTL paragraph would send
its trailing punctuation to the wrong end. Text inside isolates (LRI/RLI/FSI … PDI) does not
count, as in the algorithm, and no mark is ever put inside it, so isolates stay balanced.
Inside a line, a Latin command after an Arabic word ("أرسل /help") gets an LRM before its slash.
"""
from __future__ import annotations

import unicodedata

RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a strong right-to-left character that shows nothing
LRM = "\u200e"  # LEFT-TO-RIGHT MARK: keeps "/start" or "@name" in one piece after the RLM
_OPENERS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
_CLOSER = "\u2069"  # PDI
_RIGHT = frozenset({"R", "AL"})


def strong_directions(text: str) -> list[tuple[int, str]]:
    """(index, "L" or "R") of each strong character outside isolates."""
    found: list[tuple[int, str]] = []
    depth = 0
    for index, ch in enumerate(text):
        if ch in _OPENERS:
            depth += 1
        elif ch == _CLOSER:
            depth = max(0, depth - 1)
        elif not depth:
            kind = unicodedata.bidirectional(ch)
            if kind == "L":
                found.append((index, "L"))
            elif kind in _RIGHT:
                found.append((index, "R"))
    return found


def mark_for(text: str) -> str:
    """The marks that make one line of ``text`` read right to left: "" when it already does or
    has no right-to-left letter; RLM when it starts with Latin; RLM + LRM when what precedes its
    first Latin letter is stuck to it ("/start", "@name", "(Paris"), so that it stays with it."""
    strong = strong_directions(text)
    if not strong or strong[0][1] == "R" or all(kind == "L" for _, kind in strong):
        return ""
    lead = text[: strong[0][0]].lstrip()
    return RLM + LRM if lead and not any(ch.isspace() for ch in lead) else RLM


def commands_kept_whole(line: str) -> str:
    """An LRM before each Latin command inside a right-to-left line ("أرسل /help لترى"): the slash is
    neutral, and between an Arabic word and a Latin one it takes the line's direction and shows after
    the command ("help/"). Not at the line's start (``mark_for`` sees to it), not inside a URL or an
    isolate, not before a command named in a right-to-left script."""
    if not any(kind == "R" for _, kind in strong_directions(line)):
        return line
    out: list[str] = []
    depth = 0
    for index, ch in enumerate(line):
        if ch in _OPENERS:
            depth += 1
        elif ch == _CLOSER:
            depth = max(0, depth - 1)
        elif (ch == "/" and not depth and index and (line[index - 1].isspace() or line[index - 1] in "(«")
              and line[index + 1 : index + 2].isascii() and line[index + 1 : index + 2].isalpha()):
            out.append(LRM)
        out.append(ch)
    return "".join(out)


def directed(text: str, rtl: bool) -> str:
    """Each line of ``text`` marked to read right to left when ``rtl`` (else ``text`` as is)."""
    if not rtl or not text:
        return text
    return "\n".join(mark_for(line) + commands_kept_whole(line) for line in text.split("\n"))
