"""The greenhouse-gas data review of an audit (§7): what it records of each activity-data item and emission factor,
the rules each must meet (R-GHG-2, R-GHG-3), and the data-quality profile folded from them (R-GHG-4).

Values and pure rules only; the case records the review (registry.case_review), the body's reference tables of the
accounting guidelines' default factors are registry.factor_tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from registry import labels, text
from registry.errors import InvalidInput, RuleViolation
from registry.values import Level


class DataClass(Enum):
    """R-GHG-2, §7.2: the class of an activity datum, best first."""

    CONTINUOUS = "continuous"
    INTERMITTENT = "intermittent"
    ESTIMATED = "estimated"


class FactorTier(Enum):
    """R-GHG-3, §7.3: the six tiers of an emission factor, best first."""

    MEASURED_OR_MASS_BALANCE = "measured_or_mass_balance"
    SAME_PROCESS_EMPIRICAL = "same_process_empirical"
    MANUFACTURER = "manufacturer"
    REGIONAL = "regional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class DataOrigin(Enum):
    """R-GHG-3: a product footprint's data, primary (processes the organisation owns or controls) or secondary."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Calibration:
    equipment: str
    calibrated_on: date
    valid_until: date


@dataclass(frozen=True)
class CrossCheck:
    source_kind: str  # fuel contracts, energy ledgers, monthly production reports, electricity invoices, …
    reference: str
    agrees: bool


@dataclass(frozen=True)
class Sampling:
    principle: str
    method: str
    sample_size: int


@dataclass(frozen=True)
class ReviewFields:
    """What §7.2 has the review record of a measured quantity: activity data, and a measured emission factor."""

    monitoring_method: str
    monitoring_frequency: str
    recording_frequency: str
    missing_data_handling: str
    calibration: Calibration | None = None
    cross_checks: tuple[CrossCheck, ...] = ()
    sampling: Sampling | None = None


@dataclass(frozen=True)
class ActivityDatum:
    item: str
    unit: str
    source: str
    review: ReviewFields
    data_class: DataClass
    lower_class_reason: str
    emissions_tco2e: Decimal
    level: Level | None  # None: the scope's only level (the case resolves it before recording)
    data_origin: DataOrigin | None = None  # a product footprint's items only
    secondary_reason: str = ""


@dataclass(frozen=True)
class Guideline:
    """Where a default factor comes from: the body's reference table, its version and the entry's key."""

    table: str
    version: str
    key: str


@dataclass(frozen=True)
class EmissionFactor:
    item: str
    value: Decimal
    unit: str
    source: str
    tier: FactorTier
    lower_tier_reason: str
    is_default: bool
    guideline: Guideline | None
    measurement: ReviewFields | None  # a measured factor's review (R-GHG-3)
    emissions_tco2e: Decimal
    level: Level | None  # None: the scope's only level (the case resolves it before recording)
    data_origin: DataOrigin | None = None
    secondary_reason: str = ""


@dataclass(frozen=True)
class FactorEntry:
    """One default value of a reference table of the accounting guidelines (registry.factor_tables)."""

    key: str
    value: Decimal
    unit: str


@dataclass(frozen=True)
class ReviewFindings:
    """§7.1: the reviewer's findings on the data's representativeness, completeness (cut-off) and accuracy."""

    representativeness: str
    completeness: str
    accuracy: str


ENUMS: tuple[type[Enum], ...] = (DataClass, FactorTier, DataOrigin)
VALUE_OBJECTS: tuple[type[Any], ...] = (Calibration, CrossCheck, Sampling, ReviewFields, ActivityDatum, Guideline,
                                        EmissionFactor, ReviewFindings, FactorEntry)


# Rules (pure: every input passed in)


def calibration_lapsed(calibration: Calibration | None, audit_on: date) -> bool:
    """R-GHG-2: flagged when the equipment's calibration ran out before the audit date (valid on its last day)."""
    return calibration is not None and calibration.valid_until < audit_on


def _required(field: str, value: str, kind: text.Kind, rule: str, clause: str, zh: str) -> None:
    if not text.check(field, value, kind).strip():
        raise RuleViolation(rule, clause, f"{zh} / {field} is recorded ({rule})")


def check_review_fields(prefix: str, fields: ReviewFields, measured: bool, rule: str, clause: str) -> None:
    """R-GHG-2: monitoring method and frequency, recording frequency, missing-data handling, at least one
    cross-check, calibration of the equipment of a measurement, and sampling where used."""
    for name, zh in (("monitoring_method", "监测方法"), ("monitoring_frequency", "监测频次"),
                     ("recording_frequency", "记录频次"), ("missing_data_handling", "数据缺失处理方式")):
        _required(prefix + name, getattr(fields, name), text.LINE, rule, clause, f"须记录{zh}")
    text.check_records(prefix + "cross_checks", fields.cross_checks, source_kind=text.NAME, reference=text.LINE)
    if not fields.cross_checks:
        raise RuleViolation(rule, clause, "须记录至少一项交叉核对来源（燃料合同、能源台账、生产月报、电费发票等） / "
                                          f"{prefix}cross_checks names at least one cross-check source (fuel "
                                          "contracts, energy ledgers, monthly production reports, electricity "
                                          "invoices, …)")
    for i, check in enumerate(fields.cross_checks):
        _required(f"{prefix}cross_checks.{i}.source_kind", check.source_kind, text.NAME, rule, clause,
                  "交叉核对须写明来源类别")
    cal = fields.calibration
    if cal is not None:
        _required(prefix + "calibration.equipment", cal.equipment, text.NAME, rule, clause, "须写明监测设备")
        if cal.valid_until < cal.calibrated_on:
            raise InvalidInput(prefix + "calibration.valid_until",
                               "校准有效期不能早于校准日期 / a calibration cannot run out before it was made")
    elif measured:
        raise RuleViolation(rule, clause, "测量所得的数据须记录监测设备的校准 / a measured quantity records the "
                                          f"calibration of its monitoring equipment ({prefix}calibration)")
    if fields.sampling is not None:
        text.check_record(prefix + "sampling", fields.sampling, principle=text.LINE, method=text.LINE)
        if not fields.sampling.principle.strip() or not fields.sampling.method.strip():
            raise RuleViolation(rule, clause, "抽样须写明原则和方法 / sampling records its principle and method")
        if fields.sampling.sample_size < 1:
            raise InvalidInput(prefix + "sampling.sample_size", "样本量至少为 1 / a sample has at least one unit")


def _check_emissions(value: Decimal) -> None:
    if not value.is_finite() or value < 0:
        raise InvalidInput("emissions_tco2e", "排放量须为非负数 / emissions are a non-negative number")


def check_origin(level: Level | None, origin: DataOrigin | None, secondary_reason: str) -> None:
    """R-GHG-3: a product footprint marks primary and secondary data; secondary only with the reason."""
    text.check("secondary_reason", secondary_reason, text.PROSE)
    if level is Level.PRODUCT and origin is None:
        raise RuleViolation("R-GHG-3", "§7.3", "产品碳足迹的数据须标明为初级或次级数据 / a product footprint's data "
                                               "is marked primary or secondary (data_origin)")
    if origin is DataOrigin.SECONDARY and not secondary_reason.strip():
        raise RuleViolation("R-GHG-3", "§7.3", "使用次级数据须说明无法获得初级数据的原因 / secondary data only with "
                                               "the reason primary data could not be had (secondary_reason)")


def check_activity_datum(datum: ActivityDatum) -> None:
    """R-GHG-2 (and R-GHG-3 for a product footprint's data) on one activity-data item."""
    for name, kind in (("item", text.NAME), ("unit", text.CODE), ("source", text.LINE)):
        _required(name, getattr(datum, name), kind, "R-GHG-2", "§7.2", "活动数据须写明名称、单位和来源")
    text.check("lower_class_reason", datum.lower_class_reason, text.PROSE)
    check_review_fields("", datum.review, datum.data_class is not DataClass.ESTIMATED, "R-GHG-2", "§7.2")
    if datum.data_class is not DataClass.CONTINUOUS and not datum.lower_class_reason.strip():
        raise RuleViolation("R-GHG-2", "§7.2",
                            f"{labels.zh(labels.DATA_CLASSES, datum.data_class.value)}类数据须说明为何未采用更高类别"
                            "（连续测量） / an "
                            f"{datum.data_class.value} datum carries the reason a higher class (continuous "
                            "measurement) was not used (lower_class_reason)")
    _check_emissions(datum.emissions_tco2e)
    check_origin(datum.level, datum.data_origin, datum.secondary_reason)


def check_emission_factor(factor: EmissionFactor, default: tuple[Decimal, str] | None) -> None:
    """R-GHG-3 on one factor. ``default``: the value and unit the guideline's table holds under the factor's key
    (looked up by the caller), None when the table or key is not there."""
    for name, kind in (("item", text.NAME), ("unit", text.CODE), ("source", text.LINE)):
        _required(name, getattr(factor, name), kind, "R-GHG-3", "§7.3", "排放因子须写明名称、单位和来源")
    text.check("lower_tier_reason", factor.lower_tier_reason, text.PROSE)
    if not factor.value.is_finite() or factor.value < 0:
        raise InvalidInput("value", "排放因子须为非负数 / a factor is a non-negative number")
    if factor.tier is not FactorTier.MEASURED_OR_MASS_BALANCE and not factor.lower_tier_reason.strip():
        raise RuleViolation("R-GHG-3", "§7.3",
                            f"{labels.zh(labels.FACTOR_TIERS, factor.tier.value)}层级的因子须说明为何未采用更高层级 / "
                            f"a {factor.tier.value} factor "
                            "carries the reason a higher tier was not used (lower_tier_reason)")
    if factor.tier is FactorTier.MEASURED_OR_MASS_BALANCE:
        if factor.measurement is None:
            raise RuleViolation("R-GHG-3", "§7.3", "实测因子须记录与活动数据相同的评审内容 / a measured factor "
                                                   "records the review fields of activity data")
        check_review_fields("", factor.measurement, True, "R-GHG-3", "§7.3")
    if factor.is_default:
        _check_default(factor, default)
    _check_emissions(factor.emissions_tco2e)
    check_origin(factor.level, factor.data_origin, factor.secondary_reason)


def _check_default(factor: EmissionFactor, default: tuple[Decimal, str] | None) -> None:
    g = factor.guideline
    text.check_record("guideline", g, table=text.NAME, version=text.CODE, key=text.NAME)
    if g is None or not (g.table.strip() and g.version.strip() and g.key.strip()):
        raise RuleViolation("R-GHG-3", "§7.3", "缺省因子须写明所依据的核算指南参考表、版本和条目 / a default factor "
                                               "names its guideline table, version and key (guideline)")
    named = f"{g.table} {g.version} [{g.key}]"
    if default is None:
        raise RuleViolation("R-GHG-3", "§7.3", f"参考表 {named} 不存在 / the body's reference tables hold no "
                                               f"{named}")
    value, unit = default
    if factor.value != value or factor.unit != unit:
        raise RuleViolation("R-GHG-3", "§7.3",
                            f"缺省因子须等于参考表 {named} 的值 {value} {unit}，此处为 {factor.value} {factor.unit} / "
                            f"a default factor equals the value of {named}, {value} {unit}, not "
                            f"{factor.value} {factor.unit}")


def check_findings(findings: ReviewFindings) -> None:
    """§7.1: the three findings, each recorded."""
    for name in ("representativeness", "completeness", "accuracy"):
        text.check(name, getattr(findings, name), text.PROSE)
    missing = [n for n in ("representativeness", "completeness", "accuracy") if not getattr(findings, n).strip()]
    if missing:
        raise RuleViolation("R-GHG-2", "§7.1", f"须记录数据的代表性、完整性（截止）和准确性评价 / the findings on "
                                               f"{', '.join(missing)} are recorded")


# The data-quality profile (R-GHG-4)


@dataclass(frozen=True)
class QualityProfile:
    """Shares of reviewed emissions by activity-data class and by factor tier; each sums to 1 (empty when there is
    nothing, or nothing but zero, to share)."""

    by_class: dict[str, Fraction]
    by_tier: dict[str, Fraction]


def _shares(pairs: Iterable[tuple[str, Decimal]], order: Sequence[Enum]) -> dict[str, Fraction]:
    totals: dict[str, Fraction] = {}
    for key, emissions in pairs:
        totals[key] = totals.get(key, Fraction(0)) + Fraction(emissions)
    whole = sum(totals.values(), Fraction(0))
    if whole == 0:
        return {}
    return {m.value: totals[m.value] / whole for m in order if m.value in totals}


def profile(activity: Iterable[ActivityDatum], factors: Iterable[EmissionFactor]) -> QualityProfile:
    """R-GHG-4: the profile, the fold of the reviewed items."""
    return QualityProfile(
        by_class=_shares(((d.data_class.value, d.emissions_tco2e) for d in activity), list(DataClass)),
        by_tier=_shares(((f.tier.value, f.emissions_tco2e) for f in factors), list(FactorTier)))
