"""Request bodies of the greenhouse-gas data review and the reference tables of default factors (API.md, "Audit
substance"), as ``api.schemas`` writes its own: texts bounded and refused as the domain refuses them, lists bounded,
dates ``YYYY-MM-DD``, booleans JSON booleans. The rules are the domain's (registry.data_review)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.schemas import Code, Day, Flag, Items, Line, Name, Prose, example
from registry.data_review import (
    ActivityDatum,
    Calibration,
    CrossCheck,
    DataClass,
    DataOrigin,
    EmissionFactor,
    FactorEntry,
    FactorTier,
    Guideline,
    ReviewFields,
    ReviewFindings,
    Sampling,
)
from registry.values import Level

Tonnes = Annotated[Decimal, Field(max_digits=30)]


class CalibrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    equipment: Name
    calibrated_on: Day
    valid_until: Day


class CrossCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_kind: Name
    reference: Line = ""
    agrees: Flag


class SamplingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principle: Line
    method: Line
    sample_size: StrictInt = Field(ge=0, le=10**9)


class ReviewFieldsIn(BaseModel):
    """The review fields of §7.2, for activity data and a measured factor."""

    monitoring_method: Line = ""
    monitoring_frequency: Line = ""
    recording_frequency: Line = ""
    missing_data_handling: Line = ""
    calibration: CalibrationIn | None = None
    cross_checks: Items[CrossCheckIn] = []
    sampling: SamplingIn | None = None

    def review_fields(self) -> ReviewFields:
        cal = self.calibration
        return ReviewFields(
            self.monitoring_method, self.monitoring_frequency, self.recording_frequency, self.missing_data_handling,
            Calibration(cal.equipment, cal.calibrated_on, cal.valid_until) if cal else None,
            tuple(CrossCheck(c.source_kind, c.reference, c.agrees) for c in self.cross_checks),
            Sampling(self.sampling.principle, self.sampling.method, self.sampling.sample_size)
            if self.sampling else None)

    def has_review_fields(self) -> bool:
        return bool(self.monitoring_method or self.monitoring_frequency or self.recording_frequency
                    or self.missing_data_handling or self.calibration or self.cross_checks or self.sampling)


class ActivityDatumCreate(ReviewFieldsIn):
    model_config = example(
        item="天然气消耗量", unit="万Nm3", source="燃气计量表读数", monitoring_method="流量计在线计量",
        monitoring_frequency="连续", recording_frequency="每日", missing_data_handling="以同期平均值替代并注明",
        calibration={"equipment": "燃气流量计 FT-01", "calibrated_on": "2025-06-01", "valid_until": "2026-05-31"},
        cross_checks=[{"source_kind": "燃料合同", "reference": "2025年供气结算单", "agrees": True}], sampling=None,
        data_class="continuous", lower_class_reason="", emissions_tco2e="12345.6", reviewed_on="2026-03-25")
    item: Name
    unit: Code
    source: Line
    data_class: DataClass
    lower_class_reason: Prose = ""
    emissions_tco2e: Tonnes
    level: Level | None = None  # the scope's only level when not given
    data_origin: DataOrigin | None = None  # a product footprint's data: primary or secondary
    secondary_reason: Prose = ""
    reviewed_on: Day | None = None  # the audit date it was reviewed on; today when not given

    def datum(self) -> ActivityDatum:
        return ActivityDatum(self.item, self.unit, self.source, self.review_fields(), self.data_class,
                             self.lower_class_reason, self.emissions_tco2e, self.level, self.data_origin,
                             self.secondary_reason)


class GuidelineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: Name
    version: Code
    key: Name


class EmissionFactorCreate(ReviewFieldsIn):
    model_config = example(
        item="天然气排放因子", value="21.622", unit="tCO2/万Nm3", source="《核算指南》附录二", tier="national",
        lower_tier_reason="未开展气质实测", is_default=True,
        guideline={"table": "核算指南缺省值", "version": "2026", "key": "natural_gas"}, emissions_tco2e="12345.6")
    item: Name
    value: Annotated[Decimal, Field(max_digits=30)]
    unit: Code
    source: Line
    tier: FactorTier
    lower_tier_reason: Prose = ""
    is_default: Flag = False
    guideline: GuidelineIn | None = None
    emissions_tco2e: Tonnes
    level: Level | None = None
    data_origin: DataOrigin | None = None
    secondary_reason: Prose = ""
    reviewed_on: Day | None = None

    def factor(self) -> EmissionFactor:
        g = self.guideline
        measured = self.tier is FactorTier.MEASURED_OR_MASS_BALANCE or self.has_review_fields()
        return EmissionFactor(self.item, self.value, self.unit, self.source, self.tier, self.lower_tier_reason,
                              self.is_default, Guideline(g.table, g.version, g.key) if g else None,
                              self.review_fields() if measured else None, self.emissions_tco2e, self.level,
                              self.data_origin, self.secondary_reason)


class FindingsCreate(BaseModel):
    model_config = example(representativeness="监测数据覆盖全部排放源，具有代表性",
                           completeness="核算边界完整，截止至2025年12月31日", accuracy="抽查数据与发票一致",
                           reviewed_on="2026-03-25")
    representativeness: Prose
    completeness: Prose
    accuracy: Prose
    reviewed_on: Day | None = None

    def findings(self) -> ReviewFindings:
        return ReviewFindings(self.representativeness, self.completeness, self.accuracy)


class FactorEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Name
    value: Annotated[Decimal, Field(max_digits=30)]
    unit: Code


class FactorTableCreate(BaseModel):
    model_config = example(table="核算指南缺省值", version="2026",
                           entries=[{"key": "natural_gas", "value": "21.622", "unit": "tCO2/万Nm3"}])
    table: Name
    version: Code
    entries: Annotated[list[FactorEntryIn], Field(min_length=1, max_length=10_000)]
    published_on: Day | None = None

    def table_entries(self) -> list[FactorEntry]:
        return [FactorEntry(e.key, e.value, e.unit) for e in self.entries]


class QualityProfileOut(BaseModel):
    by_class: dict[str, float]
    by_tier: dict[str, float]


class ReviewedItemsOut(BaseModel):
    """Reviewed items: each with its audit date, auditor and calibration flag; the calibration flags; the quality
    profile (R-GHG-4); the activity data's reviewed emissions."""

    activity_data: list[dict[str, Any]]
    emission_factors: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    quality_profile: QualityProfileOut
    emissions_tco2e: str


class DataReviewOut(ReviewedItemsOut):
    """A case's data review: its items, the calibration flags, the §7.1 findings and the quality profile."""

    case_id: str
    findings: dict[str, str] | None
    levels: list[str]


class AuditDataReviewOut(ReviewedItemsOut):
    """The data one surveillance audit took into its record, with its quality profile."""

    conducted_on: date
    findings: dict[str, str] | None = Field(default=None, description="§7.1: the reviewer's findings the audit took "
                                                                       "(representativeness, completeness, accuracy)")


class SurveillanceDataReviewOut(BaseModel):
    """A certificate's surveillance data review: the items reviewed for the coming surveillance audit (``pending``)
    and each recorded surveillance audit's, oldest first (R-GHG-2..4)."""

    number: str
    levels: list[str]
    pending: ReviewedItemsOut
    audits: list[AuditDataReviewOut]
    pending_findings: dict[str, str] | None = Field(default=None, description="§7.1: the findings recorded for the "
                                                                               "coming surveillance audit")
