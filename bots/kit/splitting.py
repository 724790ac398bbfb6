"""Long text cut into platform-sized messages, at safe places.

Texts are cut between lines; a single line longer than a whole message is cut at a space when
one is near the end, and never inside what the platform's markup needs whole (an HTML entity,
an escaping backslash). Each platform says how it measures a length and what is safe to cut.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _keep(line: str) -> str:
    return line


def _anywhere(line: str, cut: int) -> int:
    return cut


def before_entity(line: str, cut: int) -> int:
    """Never cut an escaped entity (``&amp;``) in two: cut before its ``&`` instead."""
    amp = line.rfind("&", 0, cut)
    if amp != -1 and ";" not in line[amp:cut]:
        return amp
    return cut


def before_escape(line: str, cut: int) -> int:
    """Never leave an escaping backslash at the end of a piece (it would escape nothing)."""
    while cut > 1 and line[cut - 1] == "\\":
        cut -= 1
    return cut


@dataclass(frozen=True)
class Splitter:
    """How one platform splits: its limit, how it counts, where a cut is safe.

    ``flatten`` turns a too-long line into plain escaped text before cutting it (markup that
    spans the line could not survive a cut); ``safe_cut`` moves a cut back to a safe place.
    """

    limit: int
    measure: Callable[[str], int] = len
    safe_cut: Callable[[str, int], int] = _anywhere
    flatten: Callable[[str], str] = _keep

    def lines(self, lines: list[str]) -> list[str]:
        """Join lines into texts within the limit, breaking only between lines when it can."""
        texts: list[str] = []
        current: list[str] = []
        size = 0
        for line in lines:
            pieces = self.cut_line(line) if self.measure(line) > self.limit else [line]
            for piece in pieces:
                extra = self.measure(piece) + (1 if current else 0)
                if current and size + extra > self.limit:
                    texts.append("\n".join(current))
                    current, size, extra = [], 0, self.measure(piece)
                current.append(piece)
                size += extra
        if current:
            texts.append("\n".join(current))
        # blank lines at a message's edges are noise
        return [text.strip("\n") for text in texts if text.strip()]

    def text(self, text: str) -> list[str]:
        """``lines`` of a text that is already escaped for the platform."""
        return self.lines(text.split("\n"))

    def cut_line(self, line: str) -> list[str]:
        """One line over the limit, in pieces within it: at a space in the second half, else at
        the limit, then moved back to a safe place."""
        line = self.flatten(line)
        pieces: list[str] = []
        while self.measure(line) > self.limit:
            cut = min(len(line), self.limit)
            while cut > 1 and self.measure(line[:cut]) > self.limit:
                cut -= 1
            space = line.rfind(" ", self.limit // 2, cut)
            if space > 0:
                cut = space
            safe = self.safe_cut(line, cut)
            cut = safe if safe > 0 else cut  # a piece is never empty: the loop always moves on
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        pieces.append(line)
        return pieces
