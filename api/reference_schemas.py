"""Request and answer bodies of the reference data the body keeps for R-BASIS-1 and R-BODY-1 (API.md, "Audit
substance"; issue 24), as ``api.schemas`` writes its own: texts bounded and refused as the domain refuses them,
dates ``YYYY-MM-DD``. The rules are the domain's (registry.reference)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import Code, Day, Name, example

BasisKind = Literal["management_system", "sector"]


class BasisCreate(BaseModel):
    model_config = example(standard="CCAI-S-C06", version="2023", valid_from="2023-01-01", valid_until=None,
                           kind="management_system")
    standard: Name = Field(min_length=1, description="标准或行业认证要求的名称 / the standard's name, or the sector "
                                                     "certification requirements' name")
    version: Code = Field(min_length=1, description="版本（年号） / its version (edition)")
    valid_from: Day = Field(description="自该日起接受（含） / accepted from this day, included")
    valid_until: Day | None = Field(default=None, description="接受至该日（含）；空：尚无止期 / accepted through this "
                                                              "day, included; null: no end recorded yet")
    kind: BasisKind = Field(default="management_system", description=(
        "management_system：碳排放管理体系标准（申请的 basis.standard 与 basis.version）；sector：行业认证要求"
        "（申请的 basis.sector_requirements 以名称或“名称:版本”指明） / management_system: the management-system "
        "standard an application names as basis.standard and basis.version; sector: a sector's certification "
        "requirements, which an application names among basis.sector_requirements by name or name:version"))


class ApprovalCreate(BaseModel):
    model_config = example(number="CNCA-R-2021-118", valid_from="2021-06-01", valid_until="2027-05-31")
    number: Code = Field(min_length=1, description="认证机构批准书编号 / the number of the body's CNCA approval")
    valid_from: Day = Field(description="批准书有效期起（含） / valid from this day, included")
    valid_until: Day = Field(description="批准书有效期止（含） / valid through this day, included")


class RecordedBy(BaseModel):
    person: UUID | None = Field(description="记录人 / the person who recorded it")
    role: str


class Recorded(BaseModel):
    valid_from: date
    valid_until: date | None
    recorded_at: datetime | None = Field(description="记录时间（UTC）；内置的认证依据为空 / when it was recorded "
                                                     "(UTC); null for the built-in basis")
    recorded_by: RecordedBy | None = Field(description="记录人及其角色；内置的认证依据为空 / who recorded it, in "
                                                       "which role; null for the built-in basis")


class BasisPublic(Recorded):
    standard: str
    version: str
    kind: BasisKind


class ApprovalPublic(Recorded):
    number: str


class Bases(BaseModel):
    """The certification bases the body accepts (R-BASIS-1): each as it stands, CCAI-S-C06:2023 built in unless
    recorded; and every entry as recorded, oldest first."""

    bases: list[BasisPublic] = Field(description="接受的认证依据，各以最近一次记录为准 / the accepted bases, each as "
                                                 "last recorded")
    history: list[BasisPublic] = Field(description="历次记录，按时间先后 / every entry recorded, oldest first")


class Approvals(BaseModel):
    """The body's CNCA approvals (R-BODY-1): each as it stands, and every entry as recorded, oldest first."""

    approvals: list[ApprovalPublic] = Field(description="认证机构批准书，各以最近一次记录为准 / the approvals, each "
                                                        "as last recorded")
    history: list[ApprovalPublic] = Field(description="历次记录，按时间先后 / every entry recorded, oldest first")

