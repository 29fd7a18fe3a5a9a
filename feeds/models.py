"""The results feed, version 1: pydantic models of every record on the wire.

Everything here is untrusted input. Numbers are strict (``true`` is not 1, ``"12"`` is not
12), floats finite, ints and strings bounded, unknown fields ignored, and every free-text
string sanitised on entry. ``docs/feed.schema.json`` is generated from these models.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from feeds.reference import NOC as NOC  # re-exported: a name of the feed format
from feeds.sanitise import sanitise

FORMAT = "election-night/1"

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


def _require_str(value: Any) -> Any:
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
        when = dt.datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError("not a valid ISO 8601 time") from None
    return _to_utc(when)


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
                _utc_from_iso, core_schema.str_schema(strict=True, pattern=_ISO_TIME)
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


def _check_recount(status: str, recount: int | None) -> None:
    if status == "recount" and recount is None:
        raise ValueError("status recount needs the recount number")


class FeedModel(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
        str_max_length=2_000,
        # Validators are built on first use, not at import: the app paints sooner.
        defer_build=True,
    )


class Election(FeedModel):
    id: ElectionId
    name: Name
    date: Annotated[dt.date, BeforeValidator(_require_str)]
    test: Annotated[bool, Strict()] = False


class Region(FeedModel):
    code: GSSCode
    name: Name


class Party(FeedModel):
    code: PartyCode
    name: Name
    colour: Colour


#: Seats by party, as a council reports them: never more parties than a ballot could hold.
PartySeats = Annotated[dict[PartyCode, Seats], Field(max_length=40)]
PartySeatChanges = Annotated[dict[PartyCode, SeatChange], Field(max_length=40)]


class Council(FeedModel):
    """One council's election: a whole record, replaced by any higher revision."""

    id: ElectionId
    code: GSSCode
    name: Name
    region: GSSCode
    council_type: ShortText
    total_seats: Annotated[int, Strict(), Field(ge=1, le=MAX_SEATS)]
    seats_up: Seats
    control_before: PartyCode | None = Field(
        default=None, description="null for a council with no predecessor"
    )
    status: Status
    recount: Annotated[int, Strict(), Field(ge=1, le=99)] | None = None
    seats_won: PartySeats | None = Field(
        default=None, description="seats won this election; null when the feed has no figures"
    )
    seats_change: PartySeatChanges | None = Field(
        default=None, description="against the same seats when last contested"
    )
    seats_change_basis: Literal["exact", "approximate"] | None = Field(
        default=None,
        description="exact: the same seats compared as elected last time; approximate: a "
        "whole-council or notional comparison (new wards, new council size)",
    )
    composition_before: PartySeats | None = None
    composition_after: PartySeats | None = None
    total_seats_before: Annotated[int, Strict(), Field(ge=1, le=MAX_SEATS)] | None = Field(
        default=None, description="council size before the election, when it changed"
    )
    control_after: PartyCode | None = None
    turnout: Percent | None = None
    electorate: Votes | None = None
    declared_at: UTCTime | None = None
    revision: Revision
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Council:
        # Runs for every council of every answer, so it reads the fields from __dict__ and
        # keeps to the cross-field checks the schema cannot express (each party map's cap is
        # in the schema, checked in Rust).
        fields = self.__dict__
        up = fields["seats_up"]
        total = fields["total_seats"]
        if up > total:
            raise ValueError("seats_up exceeds total_seats")
        won = fields["seats_won"]
        if won and sum(won.values()) > up:
            raise ValueError("seats_won adds up to more than seats_up")
        before = fields["composition_before"]
        if before and sum(before.values()) > MAX_SEATS:
            raise ValueError(f"composition_before adds up to more than {MAX_SEATS}")
        after = fields["composition_after"]
        # total_seats is at most MAX_SEATS, so this bounds the sum too.
        if after and sum(after.values()) > total:
            raise ValueError("composition_after adds up to more than total_seats")
        if fields["status"] == "recount":
            _check_recount("recount", fields["recount"])
        return self

    @property
    def has_result(self) -> bool:
        return self.status in RESULT_STATUSES


class ReferendumOption(FeedModel):
    id: OptionId
    label: Name


class Referendum(FeedModel):
    """A referendum's question and options; its votes come in ``CountingArea`` records."""

    id: ElectionId
    name: Name
    question: Text
    scope: Literal["local", "national"]
    options: Annotated[list[ReferendumOption], Field(min_length=2, max_length=10)]
    counting_areas: Annotated[int, Strict(), Field(ge=1, le=MAX_COUNTING_AREAS)] | None = Field(
        default=None,
        description="how many counting areas the referendum is counted in. Without it the "
        "set of areas is unknown (a feed may list areas only as they declare), and the outcome "
        "is never called final, nor certain unless `electorate` is given",
    )
    electorate: Annotated[int, Strict(), Field(ge=0, le=MAX_ELECTORATE)] | None = Field(
        default=None,
        description="the whole electorate, where known: with it the outcome can be called "
        "certain before every area is listed",
    )
    revision: Revision
    note: Text | None = None

    @model_validator(mode="after")
    def _unique_options(self) -> Referendum:
        ids = [option.id for option in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError("option ids repeat")
        return self


class CountingArea(FeedModel):
    """One referendum counting area (a local referendum is one area)."""

    referendum: ElectionId
    code: AreaCode
    name: Name
    region: GSSCode
    electorate: Votes | None = None
    votes: Annotated[dict[OptionId, Votes], Field(max_length=10)] = Field(default_factory=dict)
    rejected: Votes | None = None
    status: Status
    declared_at: UTCTime | None = None
    revision: Revision

    @property
    def key(self) -> tuple[str, str]:
        return (self.referendum, self.code)

    @property
    def has_result(self) -> bool:
        return self.status in RESULT_STATUSES

    @model_validator(mode="after")
    def _ballots_fit(self) -> CountingArea:
        if self.electorate is not None:
            cast = sum(self.votes.values()) + (self.rejected or 0)
            if cast > self.electorate:
                raise ValueError("more ballots than electors")
        return self


class Candidate(FeedModel):
    name: Name
    party: PartyCode
    party_name: Name | None = None
    first_round: Votes | None = None
    final_round: Votes | None = None
    elected: Annotated[bool, Strict()] = False


class MayoralContest(FeedModel):
    id: ElectionId
    code: GSSCode | None = None
    name: Name
    region: GSSCode
    candidates: Annotated[list[Candidate], Field(max_length=30)]
    status: Status
    electorate: Votes | None = None
    turnout: Percent | None = None
    declared_at: UTCTime | None = None
    revision: Revision
    note: Text | None = None

    @model_validator(mode="after")
    def _one_winner(self) -> MayoralContest:
        if sum(1 for c in self.candidates if c.elected) > 1:
            raise ValueError("more than one candidate elected")
        return self

    @property
    def winner(self) -> Candidate | None:
        return next((c for c in self.candidates if c.elected), None)


StageVotes = Annotated[float, Strict(), Field(ge=0, le=MAX_VOTES, allow_inf_nan=False)]


class WardCandidate(FeedModel):
    name: Name
    party: PartyCode
    party_name: Name | None = None
    votes: Votes | None = Field(
        default=None, description="votes (first preferences under STV); null when uncontested"
    )
    elected: Annotated[bool, Strict()] = False
    stages: Annotated[list[StageVotes], Field(max_length=MAX_STV_STAGES)] | None = Field(
        default=None, description="STV: the candidate's total at each stage of the count"
    )
    elected_at_stage: Annotated[int, Strict(), Field(ge=1, le=MAX_STV_STAGES)] | None = None


class WardContest(FeedModel):
    """One ward's contest (a Democracy Club ballot): a whole record, replaced by any higher
    revision. A council's councillors are the elected candidates of its declared wards."""

    id: ElectionId = Field(description="the ballot id, e.g. local.barnet.burnt-oak.2022-05-05")
    council: ElectionId = Field(description="the council's election id (Council.id)")
    code: GSSCode = Field(description="the ward's GSS code")
    name: Name
    seats: Annotated[int, Strict(), Field(ge=1, le=MAX_WARD_SEATS)]
    count_type: Literal["fptp", "stv"] = "fptp"
    candidates: Annotated[list[WardCandidate], Field(max_length=MAX_WARD_CANDIDATES)] = Field(
        default_factory=list
    )
    electorate: Votes | None = None
    turnout: Percent | None = None
    valid_votes: Votes | None = Field(default=None, description="valid ballot papers")
    rejected: Votes | None = None
    quota: Votes | None = Field(default=None, description="STV quota")
    by_election: Annotated[bool, Strict()] = Field(
        default=False, description="a casual vacancy filled on the same day"
    )
    status: Status
    recount: Annotated[int, Strict(), Field(ge=1, le=99)] | None = None
    declared_at: UTCTime | None = None
    revision: Revision
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WardContest:
        elected = sum(1 for c in self.candidates if c.elected)
        if elected > self.seats:
            raise ValueError("more candidates elected than seats")
        _check_recount(self.status, self.recount)
        return self

    @property
    def has_result(self) -> bool:
        return self.status in RESULT_STATUSES

    def elected_by_party(self) -> dict[str, int]:
        won: dict[str, int] = {}
        for candidate in self.candidates:
            if candidate.elected:
                won[candidate.party] = won.get(candidate.party, 0) + 1
        return won


class ProjectedShare(FeedModel):
    party: PartyCode
    share: Percent
    change: PercentChange | None = None


class Projections(FeedModel):
    """Projected national share: an editorial estimate supplied by the feed, never derived."""

    revision: Revision
    shares: Annotated[list[ProjectedShare], Field(max_length=20)]
    source: Name | None = None
    note: Text | None = None


class FeedDocument(FeedModel):
    """One answer from a feed: the whole state (snapshot) or what changed after ``since``."""

    format: Literal["election-night/1"]
    kind: Literal["snapshot", "changes"]
    seq: Annotated[int, Strict(), Field(ge=0, le=2**53)]
    since: Annotated[int, Strict(), Field(ge=0, le=2**53)] | None = Field(
        default=None, description="for kind=changes: the seq these changes follow"
    )
    epoch: Annotated[int, Strict(), Field(ge=0, le=2**31)] | None = Field(
        default=None,
        description="changes when the feed's history is rewritten (a replay seeking back, a "
        "test feed reset): a client holding another epoch drops its state for the snapshot",
    )
    generated_at: UTCTime | None = None
    poll_after: Annotated[float, Strict(), Field(ge=0, le=3600, allow_inf_nan=False)] | None = (
        Field(default=None, description="seconds the server asks clients to wait")
    )
    changes_path: ChangesPath | None = Field(
        default=None,
        description="a static feed (files on a web server): the changes after seq N are the "
        "file changes_path + N + '.json', relative to the feed's URL, instead of ?since=N",
    )
    election: Election | None = None
    regions: Annotated[list[Region], Field(max_length=PER_ANSWER["regions"])] = Field(
        default_factory=list
    )
    parties: Annotated[list[Party], Field(max_length=PER_ANSWER["parties"])] = Field(
        default_factory=list
    )
    councils: Annotated[list[Council], Field(max_length=PER_ANSWER["councils"])] = Field(
        default_factory=list
    )
    referendums: Annotated[list[Referendum], Field(max_length=PER_ANSWER["referendums"])] = Field(
        default_factory=list
    )
    counting_areas: Annotated[
        list[CountingArea], Field(max_length=PER_ANSWER["counting_areas"])
    ] = Field(default_factory=list)
    mayors: Annotated[list[MayoralContest], Field(max_length=PER_ANSWER["mayors"])] = Field(
        default_factory=list
    )
    wards: Annotated[list[WardContest], Field(max_length=PER_ANSWER["wards"])] = Field(
        default_factory=list
    )
    projections: Projections | None = None


def feed_json_schema() -> dict[str, Any]:
    """The JSON Schema of a feed answer, as committed in docs/feed.schema.json."""
    schema = FeedDocument.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://election-night.invalid/feed.schema.json"
    return schema
