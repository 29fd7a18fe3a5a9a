"""The results feed, version 1: pydantic models of every record on the wire.

Everything here is untrusted input. Numbers are strict (``true`` is not 1, ``"12"`` is not
12), floats finite, ints and strings bounded, unknown fields ignored, and every free-text
string sanitised on entry. ``docs/feed.schema.json`` is generated from these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, model_validator

from feeds.fields import (
    MAX_COUNTING_AREAS,
    MAX_ELECTORATE,
    MAX_SEATS,
    MAX_STV_STAGES,
    MAX_WARD_CANDIDATES,
    MAX_WARD_SEATS,
    PER_ANSWER,
    RESULT_STATUSES,
    AreaCode,
    ChangesPath,
    Colour,
    ElectionId,
    GSSCode,
    Name,
    OptionId,
    PartyCode,
    PartySeatChanges,
    PartySeats,
    Percent,
    PercentChange,
    Revision,
    Seats,
    ShortText,
    StageVotes,
    Status,
    Text,
    UTCTime,
    Votes,
    require_str,
)
from feeds.reference import NOC as NOC  # re-exported: a name of the feed format

FORMAT = "election-night/1"


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
    date: Annotated[dt.date, BeforeValidator(require_str)]
    test: Annotated[bool, Strict()] = False


class Region(FeedModel):
    code: GSSCode
    name: Name


class Party(FeedModel):
    code: PartyCode
    name: Name
    colour: Colour


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
