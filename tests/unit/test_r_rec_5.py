"""R-REC-5 (§13): every text the registry writes itself for people is Chinese first, English second.

Read from the source, not run: every refusal, gap and problem the registry and its API construct with a message
written out in the code says it in Chinese first (``"中文 / English"``), so no English-only refusal can be added
without this test naming it. A message the code builds elsewhere (a constant, ``e.detail``, a helper's result) is
not read here; the e2e suite checks every problem it provokes at run time (``tests/e2e/conftest.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from api.office import names
from api.pages import LEVELS, METHODS
from registry import labels

ROOT = Path(__file__).resolve().parents[2]
SCANNED = sorted([*ROOT.glob("registry/*.py"), *ROOT.glob("api/**/*.py")])

# Each constructor of a message for people, and the position of its message among the positional arguments.
MESSAGES = {
    "RuleViolation": 2, "OutOfOrder": 0, "SeparationOfDuties": 0, "InvalidInput": 1, "NotPermitted": 0,
    "NotFound": 0, "AlreadyExists": 0, "ConcurrentChange": 0, "RoleNotAllowed": 0, "IdempotencyKeyReused": 0,
    "Unauthenticated": 0, "PayloadTooLarge": 0, "NotCaughtUp": 0, "NotInstalled": 0, "BeyondHead": 1,
    "PageNotFound": 0, "Gap": 2, "Fault": 0,
    "problem": 3,  # api.problems.problem(status, slug, title, detail): the detail (the title is read below)
}


CJK = re.compile("[\u3400-\u9fff]")
CHINESE = "中"  # what an interpolation of a Chinese name (``{zh}``, ``{labels.zh(...)}``) stands for


def _text(node: ast.expr) -> str | None:
    """A message as the code writes it out, each interpolation as ``{}`` (or as Chinese, when it interpolates a
    Chinese name); None when the message is not written out here."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else
                       CHINESE if "zh" in ast.unparse(part) else "{}" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def messages(path: Path) -> list[tuple[int, str, str]]:
    """Each message written out in ``path``: its line, its constructor and its text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or (name := _name(node)) not in MESSAGES:
            continue
        at = MESSAGES[name]
        argument = node.args[at] if len(node.args) > at else next(
            (k.value for k in node.keywords if k.arg in ("detail", "zh")), None)
        if name == "problem" and len(node.args) > 2:
            title = _text(node.args[2])
            if title is not None:
                found.append((node.lineno, "problem title", title))
        text = None if argument is None else _text(argument)
        if text is not None:
            found.append((node.lineno, name, text))
    return found


def chinese_first(text: str) -> bool:
    """Chinese, and before the English: the first Chinese character comes before the first " / "."""
    first = CJK.search(text)
    return first is not None and (" / " not in text or first.start() < text.index(" / "))


def test_r_rec_5_every_refusal_gap_and_problem_written_in_the_code_is_chinese_first() -> None:
    english = []
    for path in SCANNED:
        where = path.relative_to(ROOT).as_posix()
        for line, name, text in messages(path):
            if not chinese_first(text):
                english.append(f"{where}:{line} {name}: {text[:100]!r}")
    assert not english, "R-REC-5: Chinese first, then ' / ' and the English:\n" + "\n".join(english)


@pytest.mark.parametrize("text, ok", [
    ("缺少申请人的注册名称 / the applicant's registered name is missing", True),
    ("{} 不能含有路径 / {} is a file name, without a folder", True),
    ("the applicant's registered name is missing", False),
    ("the scope / 认证范围", False),
])
def test_r_rec_5_chinese_first_means_chinese_before_the_english(text: str, ok: bool) -> None:
    assert chinese_first(text) is ok


def test_r_rec_5_the_scan_reads_a_refusal_that_is_english_only(tmp_path: Path) -> None:
    source = tmp_path / "made.py"
    source.write_text('raise RuleViolation("R-GHG-1", "§6.1", f"level {level} is named twice")\n'
                      'raise NotFound(f"未找到证书 {n} / no certificate {n}")\n'
                      'raise InvalidInput("f", f"{labels.zh(T, c)}重复 / {c} twice")\n', encoding="utf-8")
    assert [(name, chinese_first(text)) for _, name, text in messages(source)] == [
        ("RuleViolation", False), ("NotFound", True), ("InvalidInput", True)]


@pytest.mark.parametrize("ours, theirs", [
    (labels.STAGES, names.STAGES), (labels.STATUSES, names.STATUSES), (labels.LEVELS, LEVELS),
    (labels.METHODS, METHODS), (labels.FOCUS_POINTS, names.FOCUS_POINTS),
    (labels.DECISION_CONDITIONS, names.DECISION_CONDITIONS), (labels.DOCUMENT_KINDS, names.DOCUMENT_KINDS),
    (labels.ROLES, names.ROLES), (labels.CHANGE_FIELDS, names.CHANGE_FIELDS),
    (labels.SERVICE_KINDS, names.SERVICE_KINDS), (labels.TRANSFER_STATUSES, names.TRANSFER_STATUSES),
    (labels.DATA_CLASSES, names.DATA_CLASSES), (labels.FACTOR_TIERS, names.FACTOR_TIERS),
])
def test_r_rec_5_a_refusal_names_a_code_as_the_office_and_the_public_pages_do(
        ours: dict[str, str], theirs: dict[str, tuple[str, str]]) -> None:
    assert ours == {code: zh for code, (zh, _) in theirs.items()}


def test_r_rec_5_every_step_a_refusal_names_has_a_chinese_name() -> None:
    from registry import staffing

    for english, chinese in staffing.FUNCTIONS.items():
        assert labels.step(english) == chinese
    assert labels.record("organisation with USCC 91350100M000100Y43") == "统一社会信用代码为 91350100M000100Y43 的组织"
    assert labels.halves("缺少承诺 / the commitment is missing") == ("缺少承诺", "the commitment is missing")
    assert labels.halves("the commitment is missing") == ("", "the commitment is missing")
