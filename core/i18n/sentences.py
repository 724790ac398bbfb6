"""Joining translated sentences into one paragraph.

Latin and Arabic scripts put a space between sentences; Chinese (and Japanese) full-width
punctuation already carries its own spacing, so a space after "。" reads as a gap.
"""
from __future__ import annotations

# Full-width marks that end a sentence or clause and are followed by no space.
FULL_WIDTH_ENDINGS = "。！？：；，、）」』”"


def join_sentences(*sentences: str) -> str:
    """One paragraph of sentences: a space between them unless the previous one ends in full-width punctuation."""
    text = ""
    for sentence in sentences:
        if not sentence:
            continue
        if text and not text.endswith(tuple(FULL_WIDTH_ENDINGS)):
            text += " "
        text += sentence
    return text
