"""The field types of the results feed: bounded, strict, and sanitised on entry.

Every value of a feed answer passes one of these. Strings are bounded and free text
sanitised (printable ASCII recognised by pydantic-core alone); codes take ASCII digits only;
times are RFC 3339 with their UTC offset and held in UTC; numbers are strict and finite.
``feeds.models`` builds the records from them.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from feeds.sanitise import sanitise

# Bounds: generous for any real UK election, small enough that a hostile feed cannot make us
# hold or draw absurd amounts.
MAX_SEATS = 1_000
MAX_VOTES = 100_000_000
MAX_REVISION = 2**31 - 1
MAX_COUNTING_AREAS = 50_000
MAX_WARD_SEATS = 20
MAX_WARDS_PER_ANSWER = 25_000
#: Records one answer (or recording line) may hold, per kind: the largest real nights with
#: room (a national night has about 400 councils and 9,000 ward contests; a UK referendum
#: 382 counting areas). Records past a cap are rejected one by one and counted: the answer's
#: other records still apply.
PER_ANSWER = {
    "regions": 64,
    "parties": 500,
    "councils": 25_000,
    "referendums": 100,
    "counting_areas": 10_000,
    "mayors": 1_000,
    "wards": MAX_WARDS_PER_ANSWER,
}
#: Candidates in all the ward contests of one answer; wards past it are rejected.
CANDIDATES_PER_ANSWER = 200_000
MAX_WARD_CANDIDATES = 60
MAX_STV_STAGES = 100
MAX_ELECTORATE = 1_000_000_000


def require_str(value: Any) -> Any:
    # JSON gives strings; Python callers may pass datetimes. Never accept epoch numbers.
    if not isinstance(value, str | dt.date):
        raise ValueError("must be an ISO 8601 string")
    return value


#: Times outside these years are not election results; at the extremes (9999-12-31 with a
#: negative offset, year 1) converting to UTC overflows, which once killed the poll loop.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def _to_utc(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("time out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("time out of range (years 1900 to 2199)")
    return utc


class _FeedText:
    """Free text from the feed, sanitised on entry. Printable ASCII (nearly all feed text) is
    recognised by pydantic-core alone; anything else passes through ``sanitise``."""

    def __init__(self, min_length: int, max_length: int) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        low, high = self.min_length, self.max_length
        return core_schema.union_schema(
            [
                core_schema.str_schema(
                    strict=True, min_length=low, max_length=high, pattern=r"^[ -~]*$"
                ),
                core_schema.no_info_after_validator_function(
                    sanitise, core_schema.str_schema(strict=True, min_length=low, max_length=high)
                ),
            ],
            mode="left_to_right",
            # One error, not one per branch.
            custom_error_type="feed_text",
            custom_error_message=(
                f"must be a string of {self.min_length} to {self.max_length} characters"
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        text: JsonSchemaValue = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            text["minLength"] = self.min_length
        return text


Name = Annotated[str, _FeedText(min_length=1, max_length=200)]
ShortText = Annotated[str, _FeedText(min_length=1, max_length=80)]
Text = Annotated[str, _FeedText(min_length=0, max_length=2_000)]
GSSCode = Annotated[str, Strict(), Field(pattern=r"^[EWSNK][0-9]{8}$", description="ONS GSS code")]
#: A counting area: a GSS code, or "GI" for Gibraltar, which has none and which counted
#: in national votes with the South West (the EU referendum of 2016).
AreaCode = Annotated[
    str,
    Strict(),
    Field(pattern=r"^([EWSNK][0-9]{8}|GI)$", description="ONS GSS code, or GI (Gibraltar)"),
]


#: A relative path on the feed's own server, never up and out of it.
def _no_parent(path: str) -> str:
    if ".." in path or "//" in path:
        raise ValueError("must stay on the feed's own server (no '..')")
    return path


ChangesPath = Annotated[
    str,
    Strict(),
    Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,99}$"),
    AfterValidator(_no_parent),
]
ElectionId = Annotated[
    str,
    Strict(),
    Field(
        pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        max_length=120,
        description="Democracy Club style id, e.g. local.barnet.2022-05-05",
    ),
]
PartyCode = Annotated[
    str, Strict(), Field(pattern=r"^[A-Z][A-Z0-9]{0,7}$", description="e.g. LAB, CON, NOC")
]
OptionId = Annotated[str, Strict(), Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
Colour = Annotated[str, Strict(), Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Seats = Annotated[int, Strict(), Field(ge=0, le=MAX_SEATS)]
SeatChange = Annotated[int, Strict(), Field(ge=-MAX_SEATS, le=MAX_SEATS)]
Votes = Annotated[int, Strict(), Field(ge=0, le=MAX_VOTES)]
Revision = Annotated[int, Strict(), Field(ge=0, le=MAX_REVISION)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
PercentChange = Annotated[float, Strict(), Field(ge=-100, le=100, allow_inf_nan=False)]


#: An ISO 8601 time with its UTC offset, as RFC 3339 writes it. pydantic-core's own parser
#: would also read "1651800000" as an epoch time, even in strict mode.
_ISO_TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})$"
)
_ISO_TIME_RE = re.compile(_ISO_TIME)


def _utc_from_iso(text: str) -> dt.datetime:
    # datetime's own C parser, then one conversion to a C timezone: pydantic-core's datetimes
    # carry its own tzinfo, which costs a call into Rust at every later comparison.
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:  # it reads "T" and "Z" only in capitals
            when = dt.datetime.fromisoformat(text.upper())
        except ValueError:
            raise ValueError("not a valid ISO 8601 time") from None
    if when.tzinfo is dt.UTC:  # "Z", nearly every feed's times: nothing to convert
        if not EARLIEST <= when < LATEST:
            raise ValueError("time out of range (years 1900 to 2199)")
        return when
    return _to_utc(when)


#: A night's records share few distinct times (a council's wards declare together, to the
#: minute), so each is read once. Bounded, as the feed is untrusted; datetimes are immutable,
#: so records may share one.
_utc_from_iso_once = functools.lru_cache(maxsize=4096)(_utc_from_iso)


def _time_from_python(value: Any) -> dt.datetime:
    # A string is read exactly as in JSON, so a record is valid or not alike on the fast
    # path (the whole answer as JSON) and the slow one (record by record, from Python).
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return _to_utc(value)
    if isinstance(value, str) and len(value) <= 64 and _ISO_TIME_RE.match(value):
        return _utc_from_iso(value)
    raise ValueError("must be an ISO 8601 string with its UTC offset")


class _IsoTime:
    """An aware time written as an ISO 8601 string, never an epoch number. In JSON (every
    feed answer) pydantic-core checks it alone; from Python (the slow path's decoded records,
    the PA and DC sources) a string or an aware datetime."""

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(
                _utc_from_iso_once, core_schema.str_schema(strict=True, pattern=_ISO_TIME)
            ),
            python_schema=core_schema.no_info_plain_validator_function(_time_from_python),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


UTCTime = Annotated[dt.datetime, _IsoTime]
Status = Literal[
    "expected", "counting", "recount", "declared", "corrected", "cancelled", "uncontested"
]

#: Statuses under which a record's figures are a result.
RESULT_STATUSES = frozenset({"declared", "corrected", "uncontested"})


#: Seats by party, as a council reports them: never more parties than a ballot could hold.
PartySeats = Annotated[dict[PartyCode, Seats], Field(max_length=40)]
PartySeatChanges = Annotated[dict[PartyCode, SeatChange], Field(max_length=40)]


StageVotes = Annotated[float, Strict(), Field(ge=0, le=MAX_VOTES, allow_inf_nan=False)]
