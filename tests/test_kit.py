"""The adapters' kit on its own (bots/kit/): turns, splitting, the rights rule, the failure reply.

What the adapters do with it, through their real libraries, is in test_adapter_contract.py.
"""
from __future__ import annotations

import asyncio

import pytest

from bots.connector import PlatformConnector
from bots.kit.binding import asks_chat_rights
from bots.kit.failure import failure_reply
from bots.kit.ordering import Ordering
from bots.kit.pipeline import HandleOnly, Pipeline
from bots.kit.recent import RecentIds
from bots.kit.refusals import MAX_REASON, Refusals
from bots.kit.splitting import Splitter, before_entity, before_escape
from core.config import Settings
from core.delivery.transport import PermanentError
from core.messages.types import Chat, ChatKind, Reply, Request, Sender


def request(user: str = "u1", chat: str = "c1", kind: ChatKind = ChatKind.PRIVATE, locale: str | None = "fr",
            **fields: object) -> Request:
    return Request(sender=Sender("test", user, locale=locale), chat=Chat(chat, kind), **fields)  # type: ignore[arg-type]


async def test_turns_order_one_member_in_one_chat_and_no_one_else() -> None:
    ordering = Ordering()
    trace: list[str] = []
    first_inside = asyncio.Event()

    async def take(chat: str, user: str, name: str, hold: asyncio.Event | None = None) -> None:
        async with ordering.turn(chat, user):
            trace.append(name)
            if hold is not None:
                first_inside.set()
                await hold.wait()

    release = asyncio.Event()
    first = asyncio.create_task(take("c", "u", "first", release))
    await first_inside.wait()
    second = asyncio.create_task(take("c", "u", "second"))
    other = asyncio.create_task(take("c", "someone else", "other member"))
    elsewhere = asyncio.create_task(take("elsewhere", "u", "other chat"))
    await asyncio.gather(other, elsewhere)
    assert trace == ["first", "other member", "other chat"]  # only the same member in the same chat waits
    release.set()
    await asyncio.gather(first, second)
    assert trace[-1] == "second" and len(ordering) == 0  # nothing kept once nobody waits


def test_splitting_cuts_between_lines_then_at_spaces_never_inside_what_must_stay_whole() -> None:
    assert Splitter(10).text("one two\nthree four\nfive") == ["one two", "three four", "five"]
    assert Splitter(10).lines(["abcdefghij" * 2]) == ["abcdefghij", "abcdefghij"]  # no space: at the limit
    assert Splitter(12, safe_cut=before_entity).lines(["a &amp; b &amp;c"]) == ["a &amp; b", "&amp;c"]
    assert Splitter(8, safe_cut=before_entity).lines(["abcde&amp;xyz"]) == ["abcde", "&amp;xyz"]
    assert Splitter(3, safe_cut=before_escape).lines(["ab\\*cd"]) == ["ab", "\\*c", "d"]  # the escape stays with its mark
    utf16 = Splitter(4, measure=lambda text: len(text.encode("utf-16-le")) // 2)
    assert utf16.lines(["😀😀😀"]) == ["😀😀", "😀"]  # two units each
    assert Splitter(5).text("\n\nabc\n\n") == ["abc"]  # blank edges are noise


def test_the_chat_rights_are_asked_for_bind_and_presses_outside_private_chats() -> None:
    assert asks_chat_rights(request(kind=ChatKind.GROUP, command="bind", args="tn"))
    assert asks_chat_rights(request(kind=ChatKind.GROUP, command="unbind"))
    assert asks_chat_rights(request(kind=ChatKind.GROUP, action="=0123456789abcdef"))  # a stored line may be a bind
    assert not asks_chat_rights(request(kind=ChatKind.GROUP, command="help"))
    assert not asks_chat_rights(request(kind=ChatKind.PRIVATE, command="bind", args="tn"))


def test_the_failure_reply_is_in_the_members_language_and_for_them_alone() -> None:
    arabic = failure_reply(request(locale="ar-TN"))
    assert arabic.language == "ar" and arabic.rtl and arabic.private and arabic.text
    english = failure_reply(request(locale=None))
    assert english.language == "en" and english.text.startswith("Something went wrong")


async def test_a_dropped_request_costs_no_platform_call_and_a_failing_one_is_answered() -> None:
    asked: list[Request] = []

    async def rights(req: Request) -> Request:
        asked.append(req)
        return req

    class Limited:
        async def handle(self, req: Request) -> list[Reply]:
            raise RuntimeError("down")

        def over_limit(self, req: Request) -> bool:
            return True

    answer = await Pipeline(Limited()).ask_in_turn(request(kind=ChatKind.GROUP, command="bind"), rights)
    assert asked == [] and isinstance(answer.error, RuntimeError)
    assert answer.replies == [failure_reply(request(kind=ChatKind.GROUP, command="bind"))]

    async def fine(req: Request) -> list[Reply]:
        return [Reply(text="ok")]

    answer = await Pipeline(HandleOnly(fine)).ask_in_turn(request(kind=ChatKind.GROUP, command="bind"), rights)
    assert len(asked) == 1 and answer.error is None and answer.replies[0].text == "ok"


def test_refused_access_changes_fail_the_row_once_naming_every_chat_briefly() -> None:
    refusals = Refusals()
    refusals.raise_any()  # nothing refused: the row is done
    refusals.add("paris", "missing_scope")
    refusals.add("tunis", "no right")
    with pytest.raises(PermanentError, match="^paris: missing_scope; tunis: no right$"):
        refusals.raise_any()
    for number in range(100):
        refusals.add(f"chat-{number}", "refused")
    with pytest.raises(PermanentError) as raised:
        refusals.raise_any()
    assert len(str(raised.value)) <= MAX_REASON


async def test_a_platform_connector_keeps_its_settings_and_waits_to_be_stopped() -> None:
    class Platform(PlatformConnector[object]):
        name = "test"

    settings, args = Settings(), object()
    connector = Platform(settings, args)
    assert (connector.settings, connector.args) == (settings, args)
    assert Platform(settings).args is None
    waiting = asyncio.create_task(connector.closed())
    await asyncio.sleep(0)
    assert not waiting.done()  # the library reconnects by itself: only a stop ends it
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


def test_a_repeated_delivery_is_seen_once_and_the_oldest_ids_are_forgotten_first() -> None:
    forgotten: list[str] = []

    class Recent(RecentIds[str]):
        def forgotten(self, key: str) -> None:
            forgotten.append(key)

    recent = Recent(2)
    assert [recent.first_time(key) for key in ("a", "b", "a")] == [True, True, False]
    assert recent.first_time("c") and forgotten == ["a"]
    assert recent.first_time("a")  # forgotten, so new again: the memory is bounded
    assert not recent.first_time("c")
