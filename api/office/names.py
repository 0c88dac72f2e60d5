"""What the office calls the registry's codes, Chinese first and English second: each table maps a code the registry
records (a stage, a kind, an event, a role, a ground, …) to its (Chinese, English) names, one table per kind of
thing, one entry per code, in the rules' own terms (CCAI-S-C07:2024). Plain data, for every office page and
template; a code not listed is shown as itself (``name``).

The public pages' tables (``api.pages``: statuses, suspension grounds, levels, methods, outcomes) mean the same
here and are the office's too: imported, never copied.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.pages import CANCELLATION_GROUNDS, GROUNDS, LEVELS, METHODS, OUTCOMES
from api.pages import STATUSES as PUBLIC_STATUSES

# The stages of a case, in their order (registry.intake.Stage); not accepted, granted and refused end a case.
STAGES: dict[str, tuple[str, str]] = {
    "applied": ("已申请", "Applied"),
    "not_accepted": ("不予受理", "Not accepted"),
    "accepted": ("已受理", "Accepted"),
    "contracted": ("已签订认证协议", "Agreement signed"),
    "planned": ("已策划审核方案", "Programme planned"),
    "team_appointed": ("已委派审核组", "Team appointed"),
    "stage1_done": ("第一阶段审核完成", "Stage 1 done"),
    "stage2_done": ("第二阶段审核完成", "Stage 2 done"),
    "reported": ("已提交审核报告", "Report submitted"),
    "granted": ("批准认证", "Granted"),
    "refused": ("不予认证", "Refused"),
}
# The case's decision step on the stepper, before it is taken.
DECISION_STEP = ("认证决定", "Decision")

# The step each stage waits for (the work page; the case page has its form).
NEXT_STEPS: dict[str, tuple[str, str]] = {
    "applied": ("接收申请文件，作出受理决定", "Receive the documents; decide on acceptance"),
    "accepted": ("签订认证协议", "Sign the certification agreement"),
    "contracted": ("策划审核方案", "Plan the audit programme"),
    "planned": ("委派审核组", "Appoint the audit team"),
    "team_appointed": ("第一阶段审核", "Stage 1 audit"),
    "stage1_done": ("第二阶段审核", "Stage 2 audit"),
    "stage2_done": ("提交审核报告（关闭不符合项）", "Submit the audit report (close nonconformities)"),
    "reported": ("作出认证决定", "Make the certification decision"),
}
# A programme of fewer than 4 person-days waits for a decision maker's approval, whatever the stage (R-PREP-2).
APPROVAL_STEP = ("批准审核方案（少于 4 人日）", "Approve the programme below 4 person-days (R-PREP-2)")
# A transfer's steps where they differ (§12): its team may decide it without an on-site audit.
TRANSFER_STEPS: dict[str, tuple[str, str]] = {
    "team_appointed": ("现场审核或认证转换决定", "The on-site audit, or the transfer decision"),
    "decide": ("认证转换决定", "Decide the transfer"),
}

# registry.values.CaseKind
CASE_KINDS: dict[str, tuple[str, str]] = {
    "initial": ("初次认证", "Initial"),
    "renewal": ("再认证", "Renewal"),
    "transfer": ("认证转换", "Transfer"),
}

# The roles of the office's users (registry.values.Role), and the registry itself as the actor of what it records.
ROLES: dict[str, tuple[str, str]] = {
    "intake": ("受理", "Intake"),
    "auditor": ("审核", "Auditor"),
    "decision": ("认证决定", "Decision"),
    "admin": ("管理", "Administrator"),
    "regulator": ("监管", "Regulator"),
    "system": ("系统", "The registry"),
}

# The records a history's events belong to.
RECORDS: dict[str, tuple[str, str]] = {
    "certificate": ("证书", "Certificate"),
    "case": ("认证案例", "Case"),
    "organization": ("组织", "Organisation"),
    "emissionfactortable": ("排放因子参考表", "Emission-factor reference table"),
    "workingcalendar": ("工作日安排", "Working calendar"),
    "nationalreporting": ("全国认证信息平台报送记录", "National reporting"),
}

# A certificate's statuses (registry.values.Status): the public pages' words.
STATUSES: dict[str, tuple[str, str]] = {code: (zh, en) for code, (zh, en, _, _) in PUBLIC_STATUSES.items()}


# What a change request may change (§11.2; registry.values.Changes).
CHANGE_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("组织名称", "Organisation name"),
    "address": ("组织地址", "Address"),
    "scope": ("认证范围", "Scope"),
    "process": ("生产工艺", "Process"),
    "materials": ("原材料", "Materials"),
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

OFF_SITE_GROUNDS: dict[str, tuple[str, str]] = {
    "ems_or_enms_certified": ("已获环境或能源管理体系认证", "EMS or EnMS certified"),
    "simple_process": ("工艺简单", "Simple process"),
    "three_years_verified_reporting": ("连续三年经核查的排放报告", "Three years of verified reporting"),
}

# The status of the certificate a transfer brings (§12): a certificate's statuses, and the proceedings that bar it.
TRANSFER_STATUSES: dict[str, tuple[str, str]] = {
    "valid": STATUSES["valid"],
    "suspended": STATUSES["suspended"],
    "under_proceedings": ("暂停或撤销程序中", "Under suspension or withdrawal proceedings"),
    "withdrawn": STATUSES["withdrawn"],
    "cancelled": STATUSES["cancelled"],
    "expired": STATUSES["expired"],
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

# A deadline's states (projections.deadlines): missed is done, but late.
DEADLINE_STATES: dict[str, tuple[str, str]] = {
    "open": ("未到期", "Open"),
    "overdue": ("已逾期", "Overdue"),
    "met": ("按时完成", "Met"),
    "missed": ("逾期完成", "Missed"),
}

# A person's registrations (registry.values.RegistrationKind) and the services they gave (§5.1).
REGISTRATION_KINDS: dict[str, tuple[str, str]] = {
    "ccaa_cems_auditor": ("CCAA 碳排放管理体系审核员", "CCAA CEMS auditor"),
    "enms_auditor": ("能源管理体系审核员", "Energy management system auditor"),
    "ghg_verifier": ("温室气体核查员", "Greenhouse gas verifier"),
}
SERVICE_KINDS: dict[str, tuple[str, str]] = {"training": ("培训", "Training"), "consulting": ("咨询", "Consulting")}

# Why R-TEAM-2 says a person may not audit, by the clause it names (its detail, in English, is shown beneath).
NOT_COMPETENT: dict[str, str] = {
    "§5.3": "该日无有效的 CCAA 碳排放管理体系审核员注册",
    "§5.1": "该日前两年内有违规记录",
    "§5.4": "截至该日本机构未对其进行能力评价",
    "§5.2": "截至该日缺少学历、工作经历或培训（碳足迹、生命周期评价、认证技术）记录",  # R-STAFF-1
}

# Every event a history shows: an organisation's, its cases' and its certificates' (registry.organization,
# registry.intake, registry.case, registry.certificate, registry.person).
EVENTS: dict[str, tuple[str, str]] = {
    "Registered": ("组织登记", "Organisation registered"),
    "DetailsChanged": ("组织信息变更", "Organisation details changed"),
    "CaseOpened": ("开立认证案例", "Case opened"),
    "CertificateIssued": ("获颁证书", "Certificate issued to the organisation"),
    "CertificateWithdrawn": ("证书被撤销", "Certificate withdrawn from the organisation"),
    "WithdrawalElsewhereRecorded": ("其他认证机构撤销的证书", "Certificate withdrawn by another body"),
    "Rectified": ("整改完成", "Rectified"),
    "Applied": ("提交认证申请", "Application made"),
    "DocumentReceived": ("收到申请文件", "Document received"),
    "SupplementRequested": ("要求补充材料", "Supplement requested"),
    "Accepted": ("受理", "Application accepted"),
    "NotAccepted": ("不予受理", "Application not accepted"),
    "AgreementSigned": ("签订认证协议并缴费", "Agreement signed"),
    "ProgrammePlanned": ("策划审核方案", "Audit programme planned"),
    "TeamAppointed": ("委派审核组", "Audit team appointed"),
    "Stage1Conducted": ("第一阶段审核", "Stage 1 audit conducted"),
    "Stage2Conducted": ("第二阶段审核", "Stage 2 audit conducted"),
    "NonconformityClosed": ("不符合项关闭", "Nonconformity closed"),
    "ReportSubmitted": ("提交审核报告", "Audit report submitted"),
    "Granted": ("认证决定：批准", "Decision: certification granted"),
    "Refused": ("认证决定：不予认证", "Decision: certification refused"),
    "Issued": ("颁发证书", "Certificate issued"),
    "SurveillanceAuditRecorded": ("记录监督审核", "Surveillance audit recorded"),
    "ChangeRequested": ("提出变更申请", "Change requested"),
    "Changed": ("证书变更", "Certificate changed"),
    "GroundRecorded": ("获知暂停或撤销的理由", "Ground for suspension or withdrawal known"),
    "Suspended": ("暂停证书", "Certificate suspended"),
    "Reinstated": ("恢复证书", "Certificate reinstated"),
    "Withdrawn": ("撤销证书", "Certificate withdrawn"),
    "Expired": ("证书有效期届满", "Certificate expired"),
    "Cancelled": ("注销证书", "Certificate cancelled"),
    "SurveillanceNoticeRaised": ("监督审核即将到期提醒", "Surveillance audit falls due soon"),
    "RenewalWindowOpened": ("进入再认证申请期", "Renewal window opened"),
    "RenewedBy": ("由再认证证书接续", "Renewed by a new certificate"),
    "CorrectionRecorded": ("记录更正", "Correction recorded"),
    "PaperOriginalFiled": ("归档纸质原件", "Paper original filed"),
    "Created": ("创建记录", "Record created"),
    # Issue 23: surveillance programme, incidents and surveillance nonconformities (R-SURV-5, R-SURV-6).
    "SurveillanceProgrammeSet": ("制定监督审核方案", "Surveillance programme set"),
    "IncidentRecorded": ("记录重大变化或重大事故", "Major change or incident recorded"),
    "SurveillanceNonconformityClosed": ("监督审核不符合项关闭", "Surveillance nonconformity closed"),
    # People and programme substance (issue 23: R-STAFF-1, R-TEAM-3, R-PREP-2)
    "QualificationRecorded": ("记录学历、工作经历或培训", "Qualification recorded"),
    "Enrolled": ("登记人员", "Person enrolled"),
    "RegistrationRecorded": ("记录注册资格", "Registration recorded"),
    "ViolationRecorded": ("记录违规", "Violation recorded"),
    "ServiceRecorded": ("记录培训或咨询", "Training or consulting recorded"),
    "EvaluationRecorded": ("记录能力评价", "Competence evaluation recorded"),
    "SectorAdded": ("专业领域列入清单", "Sector added to the list"),
    "SectorsRecorded": ("记录认证范围所属专业领域", "Sectors of the scope recorded"),
    "ProgrammeApproved": ("审核方案（少于 4 人日）获批准", "Programme below 4 person-days approved"),
    # Reference data the body keeps (issue 24: R-BASIS-1, R-BODY-1)
    "BasisAccepted": ("记录接受的认证依据", "Certification basis accepted"),
    "ApprovalRecorded": ("记录认证机构批准书", "CNCA approval recorded"),
}

# People and programme substance (issue 23): registry.values.QualificationKind, TrainingSubject, CycleAudit
QUALIFICATION_KINDS: dict[str, tuple[str, str]] = {
    "education": ("学历教育", "Education"),
    "work_experience": ("工作经历", "Work experience"),
    "training": ("培训", "Training"),
}
TRAINING_SUBJECTS: dict[str, tuple[str, str]] = {
    "carbon_footprint": ("碳足迹", "Carbon footprint"),
    "life_cycle_assessment": ("生命周期评价", "Life-cycle assessment"),
    "certification_technique": ("认证技术", "Certification technique"),
}
CYCLE_AUDITS: dict[str, tuple[str, str]] = {
    "initial": ("本案例的审核（初次或再认证）", "The case's own audit (initial or recertification)"),
    "surveillance": ("监督审核", "Surveillance audit"),
    "recertification": ("再认证审核", "Recertification"),
}
PROGRAMME_BASIS: dict[str, tuple[str, str]] = {
    "size": ("规模", "Size"),
    "scope": ("认证范围", "Scope"),
    "facilities_complexity": ("排放设施的复杂程度", "Complexity of the emission facilities"),
    "system_maturity": ("管理体系的成熟度", "Maturity of the system"),
}

# Surveillance and recertification content (issue 23): the five items of §9.1.3 (R-SURV-5), the four of §9.2.2
# (R-RECERT-2), and what adds a surveillance audit (R-SURV-6).
SURVEILLANCE_CONTENT: dict[str, tuple[str, str]] = {
    "operation_and_changes": ("体系运行及变化情况", "Operation of the system and its changes"),
    "performance_and_changes": ("碳排放绩效及其变化", "Carbon performance and its changes"),
    "compliance_evaluation": ("合规性评价", "Evaluation of compliance"),
    "targets_and_reductions": ("碳排放目标及减排实现情况", "Targets and the reductions achieved"),
    "corrective_actions": ("以往不符合的纠正措施", "Corrective actions on earlier nonconformities"),
}
RECERTIFICATION_ITEMS: dict[str, tuple[str, str]] = {
    "system_effectiveness_and_scope": ("体系整体有效性及认证范围的适宜性",
                                       "The system's effectiveness as a whole and the scope's suitability"),
    "policy_and_targets": ("碳排放方针与目标的实施", "Carbon policy and targets carried out"),
    "performance_and_boundary": ("碳绩效及核算边界的变化", "Carbon performance and changes of the boundary"),
    "actual_reductions": ("认证周期内的实际减排量", "Actual emission reductions over the cycle"),
}
INCIDENT_KINDS: dict[str, tuple[str, str]] = {
    "major_change": ("重大变化", "Major change"),
    "major_incident": ("重大事故", "Major incident"),
}

# The greenhouse-gas data review (§7; R-GHG-2..4; registry.data_review, registry.factor_tables)
DATA_CLASSES: dict[str, tuple[str, str]] = {
    "continuous": ("连续测量", "Continuous measurement"),
    "intermittent": ("间歇测量", "Intermittent measurement"),
    "estimated": ("估算", "Estimate"),
}
FACTOR_TIERS: dict[str, tuple[str, str]] = {
    "measured_or_mass_balance": ("实测或质量平衡", "Measured or mass balance"),
    "same_process_empirical": ("相同工艺经验值", "Same-process empirical"),
    "manufacturer": ("设备制造商提供", "Manufacturer"),
    "regional": ("区域排放因子", "Regional"),
    "national": ("国家排放因子", "National"),
    "international": ("国际排放因子", "International"),
}
DATA_ORIGINS: dict[str, tuple[str, str]] = {"primary": ("初级数据", "Primary data"),
                                            "secondary": ("次级数据", "Secondary data")}
EVENTS.update({
    "ActivityDatumReviewed": ("数据评审：活动数据", "Data review: activity datum"),
    "EmissionFactorReviewed": ("数据评审：排放因子", "Data review: emission factor"),
    "ReviewFindingsRecorded": ("数据评审结论", "Data review findings"),
    "FactorTablePublished": ("发布排放因子参考表", "Emission-factor reference table published"),
    # A surveillance audit's data review, on the certificate (registry.surveillance_review)
    "SurveillanceActivityDatumReviewed": ("监督审核数据评审：活动数据", "Surveillance data review: activity datum"),
    "SurveillanceEmissionFactorReviewed": ("监督审核数据评审：排放因子", "Surveillance data review: emission factor"),
    "SurveillanceReviewFindingsRecorded": ("监督审核数据评审结论", "Surveillance data review findings"),
    # The working calendar (R-CAL-1, issue 24)
    "NoticeDueRecomputed": ("按录入的工作日安排重算受理通知期限", "Acceptance notice due date counted again on the "
                                                                  "year's arrangement"),
    "YearRecorded": ("录入年度工作日安排", "Year's working-day arrangement recorded"),
    "YearAwaited": ("年度工作日安排待录入", "Year's working-day arrangement awaited"),
    "NationalReportAwaited": ("月度报告待报送全国认证信息平台", "Monthly national report awaited"),
    "NationalReportSubmitted": ("月度报告已报送全国认证信息平台", "Monthly national report submitted"),
    "FallbackDueNoted": ("期限按周一至周五推算，待该年录入",
                         "Due date counted Monday–Friday until the year is recorded"),
})


def name(table: Mapping[str, tuple[str, str]], code: str) -> tuple[str, str]:
    """The (Chinese, English) names of ``code`` in ``table``; the code itself when it has none."""
    return table.get(code, (code, code))


__all__ = ["APPROVAL_STEP", "CANCELLATION_GROUNDS", "CASE_KINDS", "CHANGE_FIELDS", "CYCLE_AUDITS", "DATA_CLASSES",
           "DATA_ORIGINS", "DEADLINE_STATES", "DECISION_CONDITIONS", "DECISION_STEP", "DOCUMENT_KINDS", "EVENTS",
           "FACTOR_TIERS", "FOCUS_POINTS", "GROUNDS", "INCIDENT_KINDS", "LEVELS", "METHODS", "NEXT_STEPS",
           "NOT_COMPETENT", "OFF_SITE_GROUNDS", "OUTCOMES", "PROGRAMME_BASIS", "QUALIFICATION_KINDS",
           "RECERTIFICATION_ITEMS", "RECORDS", "REGISTRATION_KINDS", "REVIEW", "ROLES", "SERVICE_KINDS", "SEVERITIES",
           "STAGES", "STATUSES", "SURVEILLANCE_CONTENT", "TRAINING_SUBJECTS", "TRANSFER_STATUSES", "TRANSFER_STEPS",
           "name"]
