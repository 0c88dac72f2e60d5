"""The accessibility check of the office's browser tests: axe-core (vendored from the npm registry in
``tests/vendor/axe-core``, ``make axe``) run in a Playwright page.

The office's Content-Security-Policy allows its own scripts only (``script-src 'self'``), and Playwright injects a
script as an inline ``<script>``: the browser context of a page checked must be made with ``bypass_csp=True``
(``browser.new_context(bypass_csp=True, …)``), or axe never loads. The bypass is the test's, never the app's: the
answers keep their policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")

_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""


def check_accessibility(page: Page) -> list[dict[str, Any]]:
    """The violations of axe-core's rules on ``page`` as it is now whose impact is serious or critical: each with
    the rule's ``id``, ``impact``, ``help`` and the ``nodes`` that break it. The page's context must bypass its CSP
    (see the module's docstring)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = cast(list[dict[str, Any]], page.evaluate(_RUN))
    return [v for v in violations if v.get("impact") in SERIOUS]


def described(violations: list[dict[str, Any]]) -> str:
    """The violations, one a line, for an assertion's message."""
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(n["target"] for n in v["nodes"])
                     for v in violations)
