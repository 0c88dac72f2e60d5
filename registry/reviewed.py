"""What an audit holds of its greenhouse-gas data review (§7; R-GHG-2..4), shared by the two records that hold one:
a case (registry.case_review) and a certificate, for its surveillance audits (registry.surveillance_review).

Each reviewed item with its audit date, auditor and calibration flag; the scope's level an item is resolved to; the
data-quality profile as an audit record writes it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from registry import data_review, labels
from registry.data_review import ActivityDatum, EmissionFactor, QualityProfile
from registry.errors import InvalidInput
from registry.values import Level


@dataclass(frozen=True)
class Reviewed:
    """One reviewed item as an audit holds it: what was recorded, on which audit date, by whom, and whether the
    equipment's calibration had lapsed on that date (R-GHG-2)."""

    item: ActivityDatum | EmissionFactor
    reviewed_on: date
    by: UUID | None  # the auditor
    calibration_lapsed: bool
    guideline_value: Decimal | None = None


def resolve_level(levels: Sequence[Level], level: Level | None) -> Level:
    """The scope's level an item is reviewed for: the one named, which the scope must have, or the scope's only
    level when none is named."""
    if level is None:
        if len(levels) == 1:
            return levels[0]
        raise InvalidInput("level", "范围有多个层级，须写明所评审的层级 / the scope has several levels: name the "
                                    f"one reviewed ({', '.join(lv.value for lv in levels)})")
    if level not in levels:
        raise InvalidInput("level", f"范围不含{labels.zh(labels.LEVELS, level.value)} / "
                                    f"the scope has no level {level.value}")
    return level


def datum_reviewed(datum: ActivityDatum, levels: Sequence[Level], reviewed_on: date) -> dict[str, Any]:
    """R-GHG-2: the fields of the event that records ``datum``: at the scope's level it is resolved to, checked,
    with whether its equipment's calibration had lapsed by ``reviewed_on`` (flagged, not refused)."""
    datum = replace(datum, level=resolve_level(levels, datum.level))
    data_review.check_activity_datum(datum)
    return {"datum": datum, "calibration_lapsed": data_review.calibration_lapsed(datum.review.calibration,
                                                                                 reviewed_on)}


def factor_reviewed(factor: EmissionFactor, default: tuple[Decimal, str] | None, levels: Sequence[Level],
                    reviewed_on: date) -> dict[str, Any]:
    """R-GHG-3: the fields of the event that records ``factor``, checked (``default``: the reference table's value
    and unit for the guideline a default names), with a measured factor's calibration flag and the table's value a
    default was checked against."""
    factor = replace(factor, level=resolve_level(levels, factor.level))
    data_review.check_emission_factor(factor, default)
    measured = factor.measurement
    return {"factor": factor,
            "calibration_lapsed": data_review.calibration_lapsed(measured.calibration if measured else None,
                                                                 reviewed_on),
            "guideline_value": default[0] if factor.is_default and default else None}


def profile_of(activity: Sequence[Reviewed], factors: Sequence[Reviewed]) -> QualityProfile:
    """R-GHG-4: the profile, the fold of the reviewed items."""
    return data_review.profile([r.item for r in activity if isinstance(r.item, ActivityDatum)],
                               [r.item for r in factors if isinstance(r.item, EmissionFactor)])


def as_recorded(profile: QualityProfile) -> dict[str, dict[str, str]]:
    """R-GHG-4: the profile as an audit's record writes it (shares as decimals to six places)."""
    return {"by_class": {k: _six(v) for k, v in profile.by_class.items()},
            "by_tier": {k: _six(v) for k, v in profile.by_tier.items()}}


def _six(share: Fraction) -> str:
    return str((Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.000001")).normalize())
