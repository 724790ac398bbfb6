"""The supported languages listed as alternatives, for texts such as "use en, fr or de"."""
from __future__ import annotations

from babel.lists import format_list

from .catalogs import current_language
from .languages import SUPPORTED_LANGUAGES


def language_tag(code: str) -> str:
    """A catalog code as people type it: BCP 47 ("zh_Hans" -> "zh-Hans")."""
    return code.replace("_", "-")


class LanguageChoices:
    """The codes of the catalogs present, listed in the reader's language ("en, fr ou de").

    Worked out when the text is shown, not when it is made: an error built once reads
    right in whichever language it is later translated into.
    """

    def __str__(self) -> str:
        return format_list([language_tag(code) for code in SUPPORTED_LANGUAGES], style="or", locale=current_language())

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


LANGUAGE_CHOICES = LanguageChoices()
