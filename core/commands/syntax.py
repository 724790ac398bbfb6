"""How commands are written on each platform, and small argument parsers."""
from __future__ import annotations

import re
from collections.abc import Callable

from core.text import clean_line

MAX_ARGS_LENGTH = 200
_PAGE = re.compile(r"^#(\d{1,4})(?:\s+|$)")


# How a platform spells a command for the reader (in the current language), when it differs
# from "/name args": an adapter registers its own (Discord shows localized names, "/rejoindre").
HintStyle = Callable[[str, str], str]
_HINT_STYLES: dict[str, HintStyle] = {}


def register_hint_style(platform: str, style: HintStyle) -> None:
    _HINT_STYLES[platform] = style


def command_hint(platform: str, name: str, args: str = "") -> str:
    """"/join tn" on Telegram and the console; "/alumni join tn" on Slack; what the adapter says elsewhere."""
    style = _HINT_STYLES.get(platform)
    if style is not None:
        return style(name, args)
    line = f"{name} {args}".strip()
    return f"/alumni {line}" if platform == "slack" else f"/{line}"


def clean_args(args: str) -> str:
    return clean_line(args, MAX_ARGS_LENGTH)


def split_page(args: str) -> tuple[int, str]:
    """A leading ``#N`` (set by pager buttons) is the page; the rest is the query."""
    match = _PAGE.match(args)
    if not match:
        return 1, args
    return max(1, int(match.group(1))), args[match.end():].strip()
