"""What the read API returns, as pydantic schemas: they make the OpenAPI document and check every answer."""

from datetime import date, datetime, time
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """Read straight from the rows' attributes by pydantic-core (no per-field Python): the querysets annotate
    the related codes and prefetch the nested lists under the names given by `validation_alias`."""

    model_config = ConfigDict(from_attributes=True)


class Page(Schema):
    next_cursor: str | None = Field(None, description="Pass as `cursor` to read the next page; null on the last.")


class Problem(Schema):
    detail: str = Field(description="The message in Indonesian.")
    detail_en: str = Field(description="The same message in English.")


class ProvinceOut(Schema):
    id: int
    code: str
    name: str


class RegencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    province_code: str


class DistrictOut(Schema):
    id: int
    code: str
    name: str
    regency_code: str
    latitude: Decimal | None
    longitude: Decimal | None


class VillageOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    postal_code: str
    district_code: str
    latitude: Decimal | None
    longitude: Decimal | None


class ProvincePage(Page):
    items: list[ProvinceOut]


class RegencyPage(Page):
    items: list[RegencyOut]


class DistrictPage(Page):
    items: list[DistrictOut]


class VillagePage(Page):
    items: list[VillageOut]


class UnitOut(Schema):
    kind: str
    name: str
    status: str
    construction_started_on: date | None
    opened_on: date | None


class LandOut(Schema):
    latitude: Decimal
    longitude: Decimal
    area_m2: int
    ownership: str
    status: str
    recorded_on: date


class BoardMemberOut(Schema):
    role: str
    name: str
    term_start: date
    term_end: date | None


class MemberCountOut(Schema):
    counted_on: date
    count: int


class FinancingOut(Schema):
    lender: str | None = Field(None, validation_alias="lender_name", description="The lending bank (closed list).")
    operational_spending: int
    capital_spending: int
    tenor_months: int
    grace_months: int | None
    deliberation_date: date | None
    approval_date: date | None
    status: str
    submitted_on: date
    decided_on: date | None
    approved_amount: int | None
    disbursed_on: date | None
    disbursed_amount: int | None


class CooperativeOut(Schema):
    id: int
    village_code: str
    district_code: str
    regency_code: str
    name: str
    stage: str
    legal_entity_number: str
    legal_entity_date: date | None
    member_count: int | None
    chair_name: str
    chair_phone: str
    manager_name: str
    manager_phone: str
    address: str
    nik_number: str
    nik_date: date | None
    npwp: str
    npwp_date: date | None
    nib: str
    nib_date: date | None
    bank_name: str
    bank_account_number: str
    bank_account_name: str
    bank_account_date: date | None
    proposal_date: date | None
    simkopdes_status: str
    simkopdes_updated_on: date | None
    microsite_status: str
    updated_at: datetime
    units: list[UnitOut] = Field(validation_alias="unit_list")
    land: list[LandOut] = Field(validation_alias="land_list")
    board: list[BoardMemberOut] = Field(validation_alias="board_list")
    member_counts: list[MemberCountOut] = Field(validation_alias="member_count_list")
    financing: list[FinancingOut] = Field(validation_alias="financing_list")


class CooperativePage(Page):
    items: list[CooperativeOut]


class FollowUpOut(Schema):
    id: int
    visit_id: int
    action: str
    due_date: date
    done: bool
    done_at: datetime | None
    updated_at: datetime


class FollowUpPage(Page):
    items: list[FollowUpOut]


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    taken_at: datetime | None
    url: str = Field(description="The portal's file page: it checks the viewer's scope; the API never sends bytes.")


class VisitOut(Schema):
    id: int
    cooperative_id: int
    village_code: str
    mentor_id: int
    mentor_name: str
    date: date
    time: time | None
    mode: str
    focus_areas: list[str]
    summary: str
    place: str
    participants: str
    created_at: datetime
    updated_at: datetime
    follow_ups: list[FollowUpOut] = Field(validation_alias="follow_up_list")
    evidence: list[EvidenceOut] = Field(validation_alias="file_list")


class VisitPage(Page):
    items: list[VisitOut]


class MentorOut(Schema):
    id: int
    full_name: str
    role: str
    regency_code: str
    is_active: bool
    phone: str | None = Field(None, description="Only where the issuer sees the mentor's contact details.")
    email: str | None = Field(None, description="Only where the issuer sees the mentor's contact details.")
    contract_start: date | None = Field(None, description="The office's: only for an office issuer.")
    contract_end: date | None = Field(None, description="The office's: only for an office issuer.")
    updated_at: datetime


class MentorPage(Page):
    items: list[MentorOut]


class TerritoryOut(Schema):
    id: int
    name: str
    ba_id: int | None
    ba: str | None
    pmo_territory: str | None
    pmo_id: int | None
    pmo: str | None
    village_codes: list[str]


class PlanOut(Schema):
    id: int
    regency_code: str
    name: str
    status: str
    effective_from: date | None
    effective_to: date | None
    decree_number: str
    published_at: datetime | None
    territories: list[TerritoryOut]


class CoverageOut(Schema):
    village_code: str
    village_name: str
    plan_id: int | None
    territory_id: int | None
    territory: str | None
    ba_id: int | None
    ba: str | None
    pmo_id: int | None
    pmo: str | None


class CoveragePage(Page):
    on: date
    items: list[CoverageOut]


class FiguresOut(Schema):
    regency_code: str
    month: date
    visits: int
    cooperatives_visited: int
    stage_changes: int
    cooperatives: int
    stage_operating: int
    villages_covered: int
    ba_active: int
    pmo_active: int
    reports_in: int
    recorded: bool = Field(description="True once the month was closed and its figures kept as they stood.")


class FiguresPage(Page):
    items: list[FiguresOut]
