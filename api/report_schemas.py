"""Request bodies of the reporting endpoints (API.md, "Reporting (admin, regulator)"; R-RPT-1), as ``api.schemas``
writes its own. The rules (a month that has ended, a submission date after it) are the domain's
(registry.national_reporting)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import Day, Line, example


class NationalReportSubmission(BaseModel):
    model_config = example(submitted_on="2026-11-09", reference="平台回执编号 PLATFORM-2026-10-001")
    submitted_on: Day = Field(description="报送全国认证信息平台的日期 / the day the report was submitted to the "
                                          "national certification information platform")
    reference: Line = Field(description="平台的报送编号或回执 / the platform's reference of the submission")
