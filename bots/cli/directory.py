"""``alumni directory import|search|export``: the directory of associations."""
from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any

import core.directory
from core.app import App
from core.audit import Actor
from core.directory.exporter import export_csv
from core.directory.importer import DirectoryFileError, import_file
from core.directory.search import DirectorySearch
from core.files import atomic_writer
from core.geo.countries import country_name
from core.i18n import LANGUAGE_CHOICES, _, current_language, ngettext, use_language
from core.imports import ImportLimitError, ImportLimits

from .common import country_option, err, language_option, out, theme_option, with_app
from .errors import CliError


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the ``directory`` group to the ``alumni`` parser."""
    directory = groups.add_parser(
        "directory", help=_("the directory of associations"), description=_("The directory of associations.")
    )
    sub = directory.add_subparsers(dest="action", metavar=_("ACTION"), required=True)
    imp = sub.add_parser(
        "import",
        help=_("import associations from a CSV or JSON file"),
        description=_(
            "Import associations from a CSV or JSON file (re-importing updates, never duplicates). "
            "'sample' or --sample imports the bundled sample directory."
        ),
    )
    imp.add_argument("file", nargs="?", metavar=_("FILE"), help=_("the CSV or JSON file, or 'sample'"))
    imp.add_argument("--sample", action="store_true", help=_("import the bundled sample directory"))
    imp.add_argument("--strict", action="store_true", help=_("import nothing when any row is rejected"))
    imp.set_defaults(handler=directory_import)

    search = sub.add_parser(
        "search",
        help=_("search the directory"),
        description=_("Search the directory by name, city or country, in any language."),
    )
    search.add_argument("query", nargs="+", metavar=_("QUERY"), help=_("words to search for"))
    search.add_argument("--lang", metavar="L", help=_("language of the output: {languages}").format(languages=LANGUAGE_CHOICES))
    search.add_argument("--country", metavar="C", help=_("only this country (code or name)"))
    search.add_argument("--theme", metavar="T", help=_("only this thematic channel, by its slug or name, e.g. health"))
    search.add_argument("--limit", type=int, default=10, help=_("at most this many results (default 10)"))
    search.set_defaults(handler=directory_search)

    export = sub.add_parser(
        "export", help=_("export the directory as CSV"), description=_("Export the directory as CSV (the import format).")
    )
    export.add_argument("-o", "--output", metavar=_("FILE"), help=_("write to this file instead of standard output"))
    export.set_defaults(handler=directory_export)


def sample_directory_path() -> Path:
    return Path(core.directory.__file__).resolve().parent / "data" / "sample_directory.csv"


def directory_import(args: argparse.Namespace) -> int:
    if args.sample or (args.file == "sample" and not Path("sample").exists()):
        if args.file and args.file != "sample":
            raise CliError(_("give either a FILE or --sample, not both"), 2)
        path = sample_directory_path()
    elif args.file:
        path = Path(args.file)
    else:
        raise CliError(_("give the FILE to import (or --sample)"), 2)
    if not path.is_file():
        raise CliError(_("no such file: {path}").format(path=path))

    async def work(app: App) -> Any:
        return await import_file(app.db, path, actor=Actor.command_line(), strict=args.strict,
                                 limits=ImportLimits.of(app.settings))

    try:
        report = with_app(work)
    except (DirectoryFileError, ImportLimitError) as error:  # unreadable or too large: the importer says why
        raise CliError(str(error)) from None
    for row in report.rejected:
        err(_("line {line}: {reason}").format(line=row.line, reason=row.reason))
    out(
        _("{path}: {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
            path=path.name,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=len(report.rejected),
        )
    )
    if report.rejected and (args.strict or getattr(report, "aborted", False)):
        err(_("nothing was imported (--strict)"))
    return 1 if report.rejected else 0


def directory_search(args: argparse.Namespace) -> int:
    language = language_option(args.lang)
    country = country_option(args.country)
    theme = theme_option(args.theme)
    if args.limit < 1:
        raise CliError(_("--limit must be at least 1"), 2)
    query = " ".join(args.query)

    async def work(app: App) -> Any:
        return await DirectorySearch(app.db).search(query, country=country, theme=theme, limit=args.limit)

    results = with_app(work)
    with use_language(language) if language else nullcontext():
        total = results.total
        out(
            ngettext("{count} association found", "{count} associations found", total).format(count=total)
        )
        for number, hit in enumerate(results.hits, start=1):
            reader = current_language()
            city = hit.text("city", reader)
            place = ", ".join(p for p in (city, country_name(hit.country_code) if hit.country_code else "") if p)
            out(f"{number}. {hit.text('name', reader)}" + (f" — {place}" if place else ""))
            contact = " · ".join(p for p in (hit.website, hit.email) if p)
            if contact:
                out(f"   {contact}")
            if hit.contact is not None:  # a contact person only with their consent, as on the cards
                out("   " + _("contact person: {contact}").format(contact=hit.contact.line()))
            details = []
            if hit.languages:
                details.append(_("languages: {list}").format(list=", ".join(hit.languages)))
            if hit.themes:
                details.append(_("themes: {list}").format(list=", ".join(hit.themes)))
            if details:
                out("   " + " · ".join(details))
        if total > len(results.hits):
            out(_("… and {count} more (use --limit)").format(count=total - len(results.hits)))
    return 0


def directory_export(args: argparse.Namespace) -> int:
    if args.output:
        target = Path(args.output)
        with ExitStack() as files:  # written beside the target, renamed over it once complete
            try:
                handle = files.enter_context(atomic_writer(target, newline=""))
            except OSError as error:
                raise CliError(_("cannot write {path}: {reason}").format(path=target, reason=error.strerror)) from None
            count = with_app(lambda app: export_csv(app.db, handle))
        err(ngettext("{count} association exported to {path}", "{count} associations exported to {path}", count).format(
            count=count, path=target
        ))
        return 0
    with_app(lambda app: export_csv(app.db, sys.stdout))
    sys.stdout.flush()
    return 0
