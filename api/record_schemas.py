"""Request bodies of the records every case and certificate keeps (§13): corrections (R-REC-6; API.md, "Audit
substance"), as ``api.schemas`` writes its own. The rules are the domain's (registry.base, registry.records)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.inputs import MAX_POSITION
from api.schemas import Day, Prose, example


class CorrectionCreate(BaseModel):
    model_config = example(corrects=1842, changes={"detail": "获证组织受到生态环境部门行政处罚（某环罚〔2026〕12号）"},
                           reason="处罚决定书文号漏记，据决定书补正")
    corrects: int = Field(ge=1, le=MAX_POSITION, description=(
        "被更正事件在日志中的位置（见 history 的 position） / the log position of the event corrected (a history "
        "entry's position)"))
    changes: dict[str, Prose] = Field(default={}, max_length=20, description=(
        "被更正事件中各字段的正确值，只限其可更正的文字字段 / the right value of each field named, among the corrected "
        "event's correctable ones (the words a person wrote: details, evidence, descriptions, the scope applied "
        "for); empty: a correction in words alone"))
    reason: Prose = Field(min_length=1, description="何处有误、正确的是什么、依据 / what was wrong, what is right, "
                                                    "and on what evidence")
    on: Day | None = Field(default=None, description="更正日期，默认今日 / the day of the correction; today if "
                                                     "not given")
