"""Request and response bodies of the body's working calendar (API.md: ``POST /api/v1/calendar/years``; R-CAL-1), as
``api.schemas`` writes its own: dates ``YYYY-MM-DD``, lists bounded, texts refused as the domain refuses them. The
rules (dates inside the year, adjusted working days on weekends, …) are the domain's (registry.working_calendar)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from api.schemas import Day, Line, example

DAYS_IN_A_YEAR = 366


class CalendarYearCreate(BaseModel):
    model_config = example(year=2027, holidays=["2027-01-01", "2027-02-05", "2027-02-06"],
                           working_weekends=["2027-02-14"],
                           notice="国办发明电〔2026〕X号（示例，非正式通知 / an example, not the notice）")
    year: StrictInt = Field(description="年份 / the year the arrangement is for")
    holidays: list[Day] = Field(max_length=DAYS_IN_A_YEAR,
                                description="放假日期（含节假日期间的周末） / the public holidays, weekends inside a "
                                            "holiday period included")
    working_weekends: list[Day] = Field(default_factory=list, max_length=DAYS_IN_A_YEAR,
                                        description="调休上班的周六、周日 / the Saturdays and Sundays worked instead")
    notice: Line = Field(description="所依据的国务院办公厅通知（文号） / the State Council notice it comes from (its "
                                     "reference)")


class CalendarYearPublic(BaseModel):
    year: int = Field(description="年份 / the year")
    source: Literal["recorded", "package", "missing"] = Field(
        description="工作日来源：recorded 本机构按通知录入；package 软件包数据（2004–2026）；missing 尚无安排，按周一至"
                    "周五推算 / where the working days come from: recorded by the body from the notice; the package's "
                    "data (2004–2026); missing, counted Monday–Friday")
    holidays: list[date] = Field(description="放假日期 / the public holidays")
    working_weekends: list[date] = Field(description="调休上班日 / the adjusted working weekends")
    notice: str | None = Field(description="所依据的通知（仅 recorded） / the notice (recorded years)")
    recorded_by: UUID | None = Field(description="录入人 / the person who recorded it")
    recorded_at: datetime | None = Field(description="录入时间（UTC） / when it was recorded (UTC)")
    replaces: str | None = Field(description="被更正的原通知 / the notice of the recording it corrected")
    awaited_due_by: date | None = Field(description="尚未录入且已列为待办期限时的截止日期（R-CAL-1） / when raised "
                                                    "as missing: the date it is due by (R-CAL-1)")
    waiting_cases: list[UUID] = Field(description="期限按周一至周五推算、待该年录入后重算的案例 / the cases whose "
                                                  "due date was counted Monday–Friday for it, to be counted again")


class CalendarYears(BaseModel):
    years: list[CalendarYearPublic]
