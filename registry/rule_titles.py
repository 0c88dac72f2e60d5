"""Each rule's title, Chinese first and English second, by its id in SPEC.md: what a refusal shown to a person names
beside the rule id and clause (the office, R-REC-5). Titles only, in the rules text's own terms (CCAI-S-C07:2024);
the rules themselves are in ``registry.rules`` and the aggregates."""

from __future__ import annotations

TITLES: dict[str, tuple[str, str]] = {
    # The certification case (§2, §8)
    "R-FLOW-1": ("认证流程按顺序进行", "Certification steps happen in order"),
    "R-APP-1": ("认证申请人须为注册登记的法人", "The applicant is a registered legal entity"),
    "R-APP-2": ("碳排放管理体系运行时间满足要求", "The CEMS has run long enough before the application"),
    "R-APP-3": ("行政许可、合规信息与重大事故报告承诺", "Permits, compliance information and the commitment to "
                                                "report major incidents"),
    "R-APP-4": ("认证申请文件资料（十一项）", "The eleven application documents"),
    "R-APP-5": ("证书撤销后须彻底整改方可再申请", "After a withdrawal, no new application until the cause is removed"),
    "R-ACC-1": ("认证受理评审须有记录", "The acceptance review is recorded"),
    "R-ACC-2": ("补充完善资料，文件齐全后 3 个工作日内发出受理通知", "Supplements requested; the acceptance notice "
                                                          "within 3 working days of complete documents"),
    "R-ACC-3": ("受理时签订认证协议并缴纳认证费用", "On acceptance, the agreement signed and the fee paid"),
    "R-PREP-1": ("第一阶段审核前须有审核方案", "An audit programme exists before stage 1"),
    "R-PREP-2": ("审核策划与审核人日", "The audit programme's basis, its cycle and person-days"),
    "R-TEAM-1": ("审核组的组成", "The audit team's composition"),
    "R-TEAM-2": ("审核员资格（注册、两年内无违规、能力评价）", "Each auditor's qualification (registration, no "
                                                     "violation in 2 years, competence evaluation)"),
    "R-TEAM-3": ("审核组能力覆盖受审核方的专业领域", "The team's competence covers the client's sectors"),
    "R-TIME-1": ("审核时间原则上不少于 4 人日", "Audit time of at least 4 person-days"),
    "R-TIME-2": ("结合审核时间不少于单独审核之和的 80%", "An integrated audit takes at least 80 % of the standalone "
                                                    "times"),
    "R-S1-1": ("第一阶段审核在现场进行（规定情形除外）", "Stage 1 is on site unless a ground is recorded"),
    "R-S1-2": ("第一阶段审核确定重要审核点", "Stage 1 records the key audit points"),
    "R-S2-1": ("第二阶段审核在现场、在第一阶段之后进行", "Stage 2 is on site and comes after stage 1"),
    "R-REP-1": ("审核报告的内容", "The audit report's contents"),
    "R-DEC-1": ("认证决定的条件", "The conditions of a certification decision"),
    "R-SOD-1": ("受理、培训咨询、审核和认证决定相互分开", "Separation of duties: intake, training or consulting, "
                                                    "audit and decision"),
    # The certificate (§10, §11.1)
    "R-CERT-1": ("认证证书的内容", "The certificate's contents"),
    "R-CERT-2": ("认证证书有效期为 3 年", "A certificate is valid for 3 years"),
    "R-CERT-3": ("认证标志下标注认证证书号", "The mark with the certificate number beneath it"),
    "R-MARK-1": ("认证标志的使用：标注机构名称，不变形、不变色", "The mark: the body's name beside it, never distorted "
                                                          "or recoloured"),
    # Surveillance and recertification (§9)
    "R-SURV-1": ("监督审核频次：12 个月内", "Surveillance audits within 12 months"),
    "R-SURV-2": ("重大变化或重大事故时增加监督审核", "A major change or incident adds a surveillance audit"),
    "R-SURV-3": ("监督审核适用审核组要求", "Surveillance audits follow the audit team rules"),
    "R-SURV-4": ("未按期监督审核则暂停证书", "A surveillance audit not held in time suspends the certificate"),
    "R-SURV-5": ("监督审核方案与监督审核的内容", "The surveillance programme and the surveillance audit's contents"),
    "R-SURV-6": ("重大变化或重大事故的记录", "A major change or incident is recorded"),
    "R-RECERT-1": ("再认证：有效期届满前 6 个月内申请", "Recertification: the application within the 6 months "
                                                    "before expiry"),
    "R-RECERT-2": ("再认证审核的内容", "The recertification audit's contents"),
    # Status changes (§11)
    "R-CHG-1": ("证书变更：15 日内申请，30 日内变更", "Certificate change: applied for within 15 days, changed "
                                                  "within 30"),
    "R-SUS-1": ("证书暂停和撤销：7 日内采取措施并公布", "Suspension and withdrawal: the measure within 7 days, "
                                                     "published"),
    "R-SUS-2": ("暂停的证书可恢复，撤销的证书不可恢复", "A suspended certificate may be reinstated; a withdrawn one "
                                                   "never"),
    "R-SUS-3": ("暂停或撤销事由的知悉须记录", "A suspension or withdrawal ground becoming known is recorded"),
    "R-CAN-1": ("证书注销：30 日内注销并公布", "Cancellation within 30 days, published"),
    "R-CAN-2": ("注销须注明事由及其日期", "A cancellation names its trigger and its date"),
    "R-EXP-1": ("证书有效期届满", "A certificate expires at the end of its validity"),
    # Transfer (§12)
    "R-TRF-1": ("转换仅限于现行有效认证证书", "Only a currently valid certificate is transferred in"),
    "R-TRF-2": ("核实转换证书的状态与有效期", "The transferred certificate's status and validity are verified"),
    # Records (§13)
    "R-REC-1": ("记录认证活动全过程", "Every step is recorded, with who and when"),
    "R-REC-2": ("电子记录不可编辑", "Electronic records are non-editable"),
    "R-REC-3": ("记录保存时间不少于证书有效期", "Records are kept at least as long as the certificate's validity"),
    "R-REC-4": ("记录防篡改、可验证", "Tamper evidence: the history can be proven unaltered"),
    "R-REC-5": ("记录使用中文，采用不可编辑的电子文档格式", "Records in Chinese, in non-editable formats"),
    "R-REC-6": ("记录不得修改，更正为新记录", "A record is never edited: a correction is a new record"),
    # Greenhouse gas data review (§6, §7)
    "R-GHG-1": ("温室气体量化方法", "The greenhouse gas quantification method of each level"),
    "R-GHG-2": ("活动数据的评审", "The review of activity data"),
    "R-GHG-3": ("排放因子的核实", "The check of emission factors"),
    "R-GHG-4": ("数据质量概况", "The data-quality profile"),
    # Reporting
    "R-RPT-1": ("向全国认证信息平台报送证书信息", "Reporting to the national certification information platform"),
    "R-RPT-2": ("公开证书目录的导出", "The public directory's export"),
    # Identifiers, the body, staff, calendar, publication
    "R-ID-1": ("统一社会信用代码须有效", "The Unified Social Credit Code is valid"),
    "R-BASIS-1": ("认证依据", "The certification basis"),
    "R-BODY-1": ("认证机构须获认监委批准", "The body's CNCA approval"),
    "R-STAFF-1": ("认证人员要求", "Certification staff requirements"),
    "R-CAL-1": ("工作日按国务院办公厅放假安排计算", "Working days from the official holiday arrangement"),
    "R-PUB-1": ("认证证书可公开查询", "Certificates can be looked up by anyone"),
}


def rule_title(rule: str) -> tuple[str, str]:
    """The rule's title, Chinese and English; a rule without one is named by its id alone."""
    return TITLES.get(rule, (rule, rule))
