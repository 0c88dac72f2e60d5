"""What the office calls the registry's codes, Chinese first and English second: each dict maps a code the registry
records (a stage, a kind, a document kind, a severity, …) to its (Chinese, English) names. Plain data, for any page;
a code not listed is shown as itself (``name``)."""

from __future__ import annotations

from collections.abc import Mapping

# The stages of a case, in their order (registry.intake.Stage); not accepted, granted and refused end a case.
STAGES: dict[str, tuple[str, str]] = {
    "applied": ("已申请", "Applied"),
    "not_accepted": ("不予受理", "Not accepted"),
    "accepted": ("已受理", "Accepted"),
    "contracted": ("已签合同", "Agreement signed"),
    "planned": ("已策划审核方案", "Programme planned"),
    "team_appointed": ("已委派审核组", "Team appointed"),
    "stage1_done": ("一阶段审核完成", "Stage 1 done"),
    "stage2_done": ("二阶段审核完成", "Stage 2 done"),
    "reported": ("已提交审核报告", "Report submitted"),
    "granted": ("批准认证", "Granted"),
    "refused": ("不予认证", "Refused"),
}

CASE_KINDS: dict[str, tuple[str, str]] = {
    "initial": ("初次认证", "Initial"),
    "renewal": ("再认证", "Renewal"),
    "transfer": ("认证转换", "Transfer"),
}

# The eleven documents of §8.1 (R-APP-4), in the checklist's order (registry.values.DocumentKind).
DOCUMENT_KINDS: dict[str, tuple[str, str]] = {
    "application_form": ("认证申请书", "Application form"),
    "business_licences": ("委托人、生产者、制造商的营业执照", "Business licences of client, producer, manufacturer"),
    "cems_documents": ("碳排放管理体系手册及程序文件", "CEMS manual and procedures"),
    "legal_documents": ("其他法定文件（行政许可等）", "Other legally required documents (permits etc.)"),
    "illegal_list_query": ("严重违法失信企业名单查询截图", "Serious illegal enterprise list query (screenshot)"),
    "process_flow_chart": ("生产或服务工艺流程图", "Process or service flow chart"),
    "organisation_profile": ("组织简介及组织机构图", "Organisation profile and chart"),
    "sites_list": ("固定及临时场所清单", "List of fixed and temporary sites"),
    "applicable_laws": ("适用的碳排放法律法规清单", "List of applicable carbon laws"),
    "carbon_review_report": ("碳评审报告", "Carbon review report"),
    "carbon_baseline_and_targets": ("碳排放基准、目标指标及行动方案",
                                    "Carbon baseline, targets, indicators, action plan"),
}

SEVERITIES: dict[str, tuple[str, str]] = {
    "major": ("严重不符合", "Major"),
    "minor": ("一般不符合", "Minor"),
}

LEVELS: dict[str, tuple[str, str]] = {
    "organization": ("组织层次", "Organisation"),
    "product": ("产品层次", "Product"),
    "project": ("项目层次", "Project"),
    "activity": ("活动层次", "Activity"),
}

METHODS: dict[str, tuple[str, str]] = {
    "national_standard": ("国家标准", "National standard"),
    "sector_standard": ("行业标准", "Sector standard"),
    "group_standard": ("团体标准", "Group standard"),
    "iso_14064_1": ("ISO 14064-1", "ISO 14064-1"),
    "iso_14067": ("ISO 14067", "ISO 14067"),
    "iso_14064_2": ("ISO 14064-2", "ISO 14064-2"),
    "project_methodology": ("项目方法学", "Project methodology"),
    "large_event_guide": ("《大型活动碳中和实施指南》", "Large event carbon neutrality guide"),
}

OFF_SITE_GROUNDS: dict[str, tuple[str, str]] = {
    "ems_or_enms_certified": ("已获环境或能源管理体系认证", "EMS or EnMS certified"),
    "simple_process": ("工艺简单", "Simple process"),
    "three_years_verified_reporting": ("连续三年经核查的排放报告", "Three years of verified reporting"),
}

TRANSFER_STATUSES: dict[str, tuple[str, str]] = {
    "valid": ("有效", "Valid"),
    "suspended": ("暂停", "Suspended"),
    "under_proceedings": ("暂停或撤销程序中", "Under suspension or withdrawal proceedings"),
    "withdrawn": ("撤销", "Withdrawn"),
    "cancelled": ("注销", "Cancelled"),
    "expired": ("过期", "Expired"),
}

# The nine focus points of §8.4.2 (R-REP-1), in the rules' order (registry.values.FOCUS_POINTS).
FOCUS_POINTS: dict[str, tuple[str, str]] = {
    "legal_compliance": ("法律法规符合性", "Legal compliance"),
    "system_conformity": ("体系符合性", "System conformity"),
    "key_points_control": ("关键环节控制", "Control of key points"),
    "targets_and_control": ("目标指标及控制", "Targets and their control"),
    "carbon_review": ("碳评审", "Carbon review"),
    "performance_parameters": ("碳绩效参数", "Performance parameters"),
    "targets_achievement": ("目标实现情况", "Targets achieved"),
    "deviation_handling": ("偏差处理", "Handling of deviations"),
    "self_improvement": ("自我改进", "Self-improvement"),
}

# The four conditions of a decision (§8.5.2, R-DEC-1; registry.values.DECISION_CONDITIONS).
DECISION_CONDITIONS: dict[str, tuple[str, str]] = {
    "legal_compliance": ("符合法律法规要求", "Legal requirements met"),
    "sector_requirements": ("符合行业特定要求（适用时）", "Sector requirements met (where they apply)"),
    "management_improved": ("碳排放管理水平得到改进", "Carbon management improved"),
    "no_penalty": ("无重大违法处罚", "No penalty"),
}

# The acceptance review (§8.2, R-ACC-1; registry.values.Review).
REVIEW: dict[str, tuple[str, str]] = {
    "information_sufficient": ("申请信息充分", "Information sufficient"),
    "requirements_understood": ("认证要求已明确并理解", "Requirements understood"),
    "competent_and_resourced": ("本机构具备能力和资源", "Competent and resourced"),
}

DEADLINE_STATES: dict[str, tuple[str, str]] = {
    "open": ("未到期", "Open"),
    "overdue": ("已逾期", "Overdue"),
    "met": ("按时完成", "Met"),
    "missed": ("逾期完成", "Missed"),
}

# A case's events, as its history lists them (registry.intake, registry.case).
CASE_EVENTS: dict[str, tuple[str, str]] = {
    "Applied": ("提交申请", "Applied"),
    "DocumentReceived": ("收到文件", "Document received"),
    "SupplementRequested": ("要求补充材料", "Supplement requested"),
    "Accepted": ("受理", "Accepted"),
    "NotAccepted": ("不予受理", "Not accepted"),
    "AgreementSigned": ("签订认证合同并缴费", "Agreement signed"),
    "ProgrammePlanned": ("策划审核方案", "Programme planned"),
    "TeamAppointed": ("委派审核组", "Team appointed"),
    "Stage1Conducted": ("一阶段审核", "Stage 1 conducted"),
    "Stage2Conducted": ("二阶段审核", "Stage 2 conducted"),
    "NonconformityClosed": ("不符合项关闭", "Nonconformity closed"),
    "ReportSubmitted": ("提交审核报告", "Report submitted"),
    "Granted": ("批准认证", "Granted"),
    "Refused": ("不予认证", "Refused"),
}


def name(table: Mapping[str, tuple[str, str]], code: str) -> tuple[str, str]:
    """The (Chinese, English) names of ``code`` in ``table``; the code itself when it has none."""
    return table.get(code, (code, code))
