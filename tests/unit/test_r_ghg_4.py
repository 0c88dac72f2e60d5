"""R-GHG-4 (§7): the data-quality profile, shares of reviewed emissions by activity-data class and factor tier,
folded from the items; a certificate is never granted while a level of the scope has no reviewed data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from demo.scenario import Walk, demo_datum, demo_factor
from registry.data_review import DataClass, FactorTier, profile
from registry.errors import RuleViolation
from registry.values import Level, Method, ScopeLevel
from tests.factories import refused

AUDIT_ON = date(2026, 3, 22)  # the walk's stage 2


def datum(item: str, cls: DataClass, tco2e: str) -> object:
    return replace(demo_datum(Level.ORGANIZATION, AUDIT_ON, Decimal(tco2e)), item=item, data_class=cls,
                   lower_class_reason="" if cls is DataClass.CONTINUOUS else "无在线计量")


def factor(item: str, tier: FactorTier, tco2e: str) -> object:
    return replace(demo_factor(Level.ORGANIZATION, Decimal(tco2e)), item=item, tier=tier)


def test_r_ghg_4_the_profile_gives_shares_of_emissions_by_class_and_tier_as_computed_by_hand() -> None:
    # 600 + 300 + 100 = 1000 t: continuous 0.6, intermittent 0.3, estimated 0.1
    items = [datum("天然气", DataClass.CONTINUOUS, "600"), datum("外购电", DataClass.INTERMITTENT, "300"),
             datum("柴油", DataClass.ESTIMATED, "100")]
    # 750 national + 250 international: 0.75 and 0.25; 1/3 shares stay exact
    factors = [factor("天然气因子", FactorTier.NATIONAL, "500"), factor("电网因子", FactorTier.NATIONAL, "250"),
               factor("柴油因子", FactorTier.INTERNATIONAL, "250")]
    got = profile(items, factors)  # type: ignore[arg-type]
    assert got.by_class == {"continuous": Fraction(3, 5), "intermittent": Fraction(3, 10),
                            "estimated": Fraction(1, 10)}
    assert got.by_tier == {"national": Fraction(3, 4), "international": Fraction(1, 4)}
    thirds = profile([datum("a", DataClass.CONTINUOUS, "1"), datum("b", DataClass.INTERMITTENT, "1"),  # type: ignore[list-item]
                      datum("c", DataClass.ESTIMATED, "1")], [])
    assert set(thirds.by_class.values()) == {Fraction(1, 3)} and sum(thirds.by_class.values()) == 1
    assert thirds.by_tier == {}


def test_r_ghg_4_the_case_shows_the_profile_of_its_items(walk: Walk) -> None:
    walk.to_team().stage1().stage2(review=False)
    for item, cls, t in (("天然气", DataClass.CONTINUOUS, "600"), ("外购电", DataClass.INTERMITTENT, "300"),
                         ("柴油", DataClass.ESTIMATED, "100")):
        walk.app.review_activity_datum(walk.case, datum(item, cls, t), AUDIT_ON, actor=walk.staff.leader_actor)
    walk.app.review_emission_factor(walk.case, factor("天然气因子", FactorTier.NATIONAL, "600"), AUDIT_ON,
                                    actor=walk.staff.leader_actor)
    walk.app.review_emission_factor(walk.case, factor("电网因子", FactorTier.REGIONAL, "400"), AUDIT_ON,
                                    actor=walk.staff.leader_actor)
    review = walk.app.get_data_review(walk.case)
    assert review.quality_profile == {"by_class": {"continuous": 0.6, "intermittent": 0.3, "estimated": 0.1},
                                      "by_tier": {"regional": 0.4, "national": 0.6}}
    assert review.emissions_tco2e == "1000"


def test_r_ghg_4_a_grant_is_refused_while_the_data_review_has_no_items(walk: Walk) -> None:
    walk.to_team().stage1().stage2(review=False).report()
    with refused(walk.app, RuleViolation, "R-GHG-4", "§7"):
        walk.decide()
    walk.app.review_activity_datum(walk.case, datum("天然气", DataClass.CONTINUOUS, "600"), AUDIT_ON,
                                   actor=walk.staff.leader_actor)
    walk.decide()
    assert walk.number is not None


def test_r_ghg_4_every_level_of_the_scope_is_reviewed_before_a_grant(walk: Walk) -> None:
    walk.organization().apply(levels=(ScopeLevel(Level.ORGANIZATION, Method.ISO_14064_1),
                                      ScopeLevel(Level.PRODUCT, Method.ISO_14067)))
    walk.documents().accept().agree().programme().team().stage1().stage2(review=False).report()
    walk.app.review_activity_datum(walk.case, datum("天然气", DataClass.CONTINUOUS, "600"), AUDIT_ON,
                                   actor=walk.staff.leader_actor)
    with refused(walk.app, RuleViolation, "R-GHG-4", "§7") as caught:
        walk.decide()
    assert "product" in caught.value.detail
    walk.app.review_activity_datum(walk.case, demo_datum(Level.PRODUCT, AUDIT_ON), AUDIT_ON,
                                   actor=walk.staff.leader_actor)
    walk.decide()
    assert walk.number is not None


def test_r_ghg_4_a_refusal_needs_no_reviewed_data(walk: Walk) -> None:
    walk.to_team().stage1().stage2(review=False).report()
    walk.decide(grant=False, conditions={"legal_compliance": False}, reasons="存在违法行为")


def test_r_ghg_4_the_audit_report_and_the_case_show_the_profile(walk: Walk) -> None:
    walk.to_team().stage1().stage2(review=False)
    for item, cls, t in (("天然气", DataClass.CONTINUOUS, "300"), ("柴油", DataClass.ESTIMATED, "100")):
        walk.app.review_activity_datum(walk.case, datum(item, cls, t), AUDIT_ON, actor=walk.staff.leader_actor)
    walk.report()
    report = list(walk.app.events.get(walk.case))[-1]
    assert type(report).__name__ == "ReportSubmitted"
    assert report.quality_profile == {"by_class": {"continuous": "0.75", "estimated": "0.25"}, "by_tier": {}}
    assert walk.app.get_case(walk.case).quality_profile == report.quality_profile
