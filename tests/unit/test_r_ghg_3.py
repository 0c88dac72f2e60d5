"""R-GHG-3 (§7.3): emission factors, their source and tier; defaults equal to the body's versioned reference table;
a measured factor reviewed as activity data; a product footprint's primary and secondary data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from demo.scenario import Walk, demo_datum, demo_factor
from registry.data_review import DataOrigin, FactorEntry, FactorTier, Guideline
from registry.errors import AlreadyExists, InvalidInput, RuleViolation
from registry.values import Level, Method, ScopeLevel
from tests.factories import refused

AUDIT_ON = date(2026, 3, 12)
TABLE = "省级温室气体清单指南缺省值"


def publish(walk: Walk, version: str = "2026", value: str = "21.622") -> None:
    walk.app.publish_factor_table(TABLE, version, [FactorEntry("natural_gas", Decimal(value), "tCO2/万Nm3"),
                                                   FactorEntry("grid_power", Decimal("0.5703"), "tCO2/MWh")],
                                  actor=walk.staff.admin)


def default_factor(value: str, version: str = "2026", unit: str = "tCO2/万Nm3") -> object:
    return replace(demo_factor(Level.ORGANIZATION), value=Decimal(value), unit=unit, is_default=True,
                   guideline=Guideline(TABLE, version, "natural_gas"))


def test_r_ghg_3_a_default_equal_to_the_reference_table_is_accepted(walk: Walk) -> None:
    walk.to_team()
    publish(walk)
    walk.app.review_emission_factor(walk.case, default_factor("21.6220"), AUDIT_ON, actor=walk.staff.leader_actor)
    (factor,) = walk.app.get_data_review(walk.case).emission_factors
    assert factor["guideline"] == {"table": TABLE, "version": "2026", "key": "natural_gas"}
    assert factor["guideline_value"] == "21.622"


def test_r_ghg_3_a_default_differing_from_the_table_by_0_001_is_refused_naming_table_version_and_value(
        walk: Walk) -> None:
    walk.to_team()
    publish(walk)
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3") as caught:
        walk.app.review_emission_factor(walk.case, default_factor("21.623"), AUDIT_ON, actor=walk.staff.leader_actor)
    assert TABLE in caught.value.detail and "2026" in caught.value.detail and "21.622" in caught.value.detail


def test_r_ghg_3_a_default_is_checked_against_the_version_it_names(walk: Walk) -> None:
    walk.to_team()
    publish(walk, "2026", "21.622")
    publish(walk, "2027", "21.700")
    walk.app.review_emission_factor(walk.case, default_factor("21.700", "2027"), AUDIT_ON,
                                    actor=walk.staff.leader_actor)
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_emission_factor(walk.case, default_factor("21.700", "2026"), AUDIT_ON,
                                        actor=walk.staff.leader_actor)


def test_r_ghg_3_a_default_naming_no_table_or_another_unit_is_refused(walk: Walk) -> None:
    walk.to_team()
    publish(walk)
    for factor in (default_factor("21.622", "1999"), default_factor("21.622", unit="kgCO2/Nm3"),
                   replace(default_factor("21.622"), guideline=None)):
        with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
            walk.app.review_emission_factor(walk.case, factor, AUDIT_ON, actor=walk.staff.leader_actor)


def test_r_ghg_3_a_table_version_is_published_once(walk: Walk) -> None:
    walk.to_team()
    publish(walk)
    with refused(walk.app, AlreadyExists):
        publish(walk, value="30")
    assert walk.app.get_factor_table(TABLE, "2026")["entries"][0] == {
        "key": "natural_gas", "value": "21.622", "unit": "tCO2/万Nm3"}


def test_r_ghg_3_a_lower_tier_factor_without_its_reason_is_refused(walk: Walk) -> None:
    walk.to_team()
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_emission_factor(walk.case, replace(demo_factor(Level.ORGANIZATION), lower_tier_reason=""),
                                        AUDIT_ON, actor=walk.staff.leader_actor)


def test_r_ghg_3_a_measured_factor_carries_the_review_fields_of_activity_data(walk: Walk) -> None:
    walk.to_team()
    measured = replace(demo_factor(Level.ORGANIZATION), tier=FactorTier.MEASURED_OR_MASS_BALANCE,
                       lower_tier_reason="", measurement=None)
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_emission_factor(walk.case, measured, AUDIT_ON, actor=walk.staff.leader_actor)
    fields = demo_datum(Level.ORGANIZATION, AUDIT_ON).review
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_emission_factor(walk.case, replace(measured, measurement=replace(fields, calibration=None)),
                                        AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_emission_factor(walk.case, replace(measured, measurement=fields), AUDIT_ON,
                                    actor=walk.staff.leader_actor)
    (factor,) = walk.app.get_data_review(walk.case).emission_factors
    assert factor["monitoring_method"] == "流量计在线计量" and factor["calibration_lapsed"] is False


def test_r_ghg_3_a_product_footprint_marks_primary_and_secondary_data(walk: Walk) -> None:
    walk.organization().apply(levels=(ScopeLevel(Level.PRODUCT, Method.ISO_14067),))
    walk.documents().accept().agree().programme().team()
    unmarked = replace(demo_datum(Level.PRODUCT, AUDIT_ON), data_origin=None)
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_activity_datum(walk.case, unmarked, AUDIT_ON, actor=walk.staff.leader_actor)
    secondary = replace(unmarked, data_origin=DataOrigin.SECONDARY)
    with refused(walk.app, RuleViolation, "R-GHG-3", "§7.3"):
        walk.app.review_activity_datum(walk.case, secondary, AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_activity_datum(walk.case, replace(secondary, secondary_reason="上游供应商不提供实测数据"),
                                   AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_emission_factor(walk.case, demo_factor(Level.PRODUCT), AUDIT_ON, actor=walk.staff.leader_actor)
    assert walk.app.get_data_review(walk.case).activity_data[0]["data_origin"] == "secondary"


def test_r_ghg_3_a_reference_table_entry_has_a_unit_and_its_own_key(walk: Walk) -> None:
    with refused(walk.app, InvalidInput):
        walk.app.publish_factor_table(TABLE, "x", [FactorEntry("a", Decimal(1), "t"),
                                                   FactorEntry("a", Decimal(2), "t")], actor=walk.staff.admin)
