"""What the registry's refusals and gaps call its codes and steps in Chinese (R-REC-5): the Chinese half of a
message names a stage, a status, a level, a step by its name in the rules' own terms (CCAI-S-C07:2024), never by
the key the registry records. The English half keeps the key, as it always has.

The names are the office's (``api.office.names``) and the public pages' (``api.pages``); the registry imports
neither (STYLE.md, 1), so it keeps the Chinese it needs here, and a test holds the two to the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# A case's stages (registry.intake.Stage).
STAGES = {
    "applied": "已申请", "not_accepted": "不予受理", "accepted": "已受理", "contracted": "已签订认证协议",
    "planned": "已策划审核方案", "team_appointed": "已委派审核组", "stage1_done": "第一阶段审核完成",
    "stage2_done": "第二阶段审核完成", "reported": "已提交审核报告", "granted": "批准认证", "refused": "不予认证",
}

# A certificate's statuses (registry.values.Status), and those of a certificate offered for transfer.
STATUSES = {"valid": "有效", "suspended": "暂停", "withdrawn": "撤销", "cancelled": "注销", "expired": "过期"}
TRANSFER_STATUSES = {**STATUSES, "under_proceedings": "暂停或撤销程序中"}

LEVELS = {"organization": "组织层面", "product": "产品层面", "project": "项目层面", "activity": "活动层面"}
METHODS = {
    "national_standard": "国家标准", "sector_standard": "行业标准", "group_standard": "团体标准",
    "iso_14064_1": "ISO 14064-1", "iso_14067": "ISO 14067", "iso_14064_2": "ISO 14064-2",
    "project_methodology": "项目方法学", "large_event_guide": "《大型活动碳中和实施指南》",
}

# The nine focus points of §8.4.2 and the four conditions of §8.5.2.
FOCUS_POINTS = {
    "legal_compliance": "法律法规符合性", "system_conformity": "体系符合性", "key_points_control": "关键环节控制",
    "targets_and_control": "目标指标及控制", "carbon_review": "碳评审", "performance_parameters": "碳绩效参数",
    "targets_achievement": "目标实现情况", "deviation_handling": "偏差处理", "self_improvement": "自我改进",
}
DECISION_CONDITIONS = {
    "legal_compliance": "符合法律法规要求", "sector_requirements": "符合行业特定要求（适用时）",
    "management_improved": "碳排放管理水平得到改进", "no_penalty": "无重大违法处罚",
}

# The eleven documents of §8.1 (registry.values.DocumentKind).
DOCUMENT_KINDS = {
    "application_form": "认证申请书", "business_licences": "委托人、生产者、制造商的营业执照",
    "cems_documents": "碳排放管理体系手册及程序文件", "legal_documents": "其他法定文件（行政许可等）",
    "illegal_list_query": "严重违法失信企业名单查询截图", "process_flow_chart": "生产或服务工艺流程图",
    "organisation_profile": "组织简介及组织机构图", "sites_list": "固定及临时场所清单",
    "applicable_laws": "适用的碳排放法律法规清单", "carbon_review_report": "碳评审报告",
    "carbon_baseline_and_targets": "碳排放基准、目标指标及行动方案",
}

# The greenhouse-gas data review (registry.data_review): a datum's class and a factor's tier.
DATA_CLASSES = {"continuous": "连续测量", "intermittent": "间歇测量", "estimated": "估算"}
FACTOR_TIERS = {
    "measured_or_mass_balance": "实测或质量平衡", "same_process_empirical": "相同工艺经验值",
    "manufacturer": "设备制造商提供", "regional": "区域排放因子", "national": "国家排放因子",
    "international": "国际排放因子",
}

ROLES = {"intake": "受理", "auditor": "审核", "decision": "认证决定", "admin": "管理", "regulator": "监管",
         "system": "系统"}
CHANGE_FIELDS = {"name": "组织名称", "address": "组织地址", "scope": "认证范围", "process": "生产工艺",
                 "materials": "原材料"}
SERVICE_KINDS = {"training": "培训", "consulting": "咨询"}

# The steps and functions a refusal names, by the English words the commands name them with (``step``, ``what``,
# ``function``), and the earlier steps a date is checked against.
STEPS = {
    # a case
    "a document for the application checklist": "接收申请文件", "supplement request": "要求补充资料",
    "acceptance decision": "受理决定", "certification agreement": "签订认证协议", "audit programme": "策划审核方案",
    "team appointment": "审核组委派", "stage 1": "第一阶段审核", "stage 2": "第二阶段审核",
    "the transfer's on-site audit": "认证转换的现场审核", "nonconformity closure": "关闭不符合项",
    "audit report": "提交审核报告", "certification decision": "认证决定", "data review": "数据评审",
    "recording the scope's sectors": "记录认证范围的专业领域",
    # a certificate
    "change request": "证书变更申请", "change": "证书变更",
    "ground for suspension or withdrawal": "记录暂停或撤销的理由",
    "suspension": "暂停", "reinstatement": "恢复", "withdrawal": "撤销", "cancellation": "注销",
    "surveillance audit": "监督审核", "surveillance programme": "监督审核方案",
    "incident": "重大变化或重大事故的记录", "surveillance data review": "监督审核的数据评审",
    # the certification functions (R-SOD-1, R-STAFF-1)
    "intake review": "受理评审", "audit": "审核", "decision": "认证决定", "programme approval": "审核方案批准",
    "competence to audit": "审核能力",
    # the earlier dates a date is checked against
    "the programme": "审核方案", "acceptance": "受理", "the team appointment": "审核组委派",
    "the report": "审核报告", "the agreement": "认证协议", "the issue date": "颁证日期", "the request": "变更申请",
    "the suspension": "暂停", "the status change": "状态变更", "the ground's date": "事由发生之日",
}


# The records a refusal says there is none of, by the English words naming them: a noun, or a noun and its key.
RECORDS = {
    "user": "用户", "number sequence": "证书编号序列", "idempotency record": "幂等键记录",
    "sector list": "专业领域清单", "working calendar": "工作日安排", "basis list": "认证依据清单",
    "approval list": "批准书清单", "national reporting": "全国认证信息平台报送记录",
}
_KEYED = (("organisation with USCC ", "统一社会信用代码为 {} 的组织"), ("certificate ", "证书 {}"),
          ("case ", "认证案例 {}"), ("person ", "人员 {}"), ("user ", "用户 {}"), ("table ", "排放因子参考表 {}"))


def record(what: str) -> str:
    """The Chinese name of a record named in English words (``"certificate X"``: ``"证书 X"``)."""
    if what in RECORDS:
        return RECORDS[what]
    for prefix, named in _KEYED:
        if what.startswith(prefix):
            return named.format(what.removeprefix(prefix))
    return what


def zh(table: Mapping[str, str], code: str) -> str:
    """The Chinese name of ``code`` in ``table``; the code itself when it has none."""
    return table.get(code, code)


def zh_list(table: Mapping[str, str], codes: Iterable[str]) -> str:
    """Several codes' Chinese names, as a Chinese list."""
    return "、".join(zh(table, c) for c in codes)


def step(words: str) -> str:
    """The Chinese name of a step, function or earlier date named in English words (the words when it has none)."""
    return STEPS.get(words, words)


def halves(message: str) -> tuple[str, str]:
    """A recorded message's Chinese and English halves (``"中文 / English"``); an English-only one, recorded before
    R-REC-5 was kept, has no Chinese half."""
    head, sep, tail = message.partition(" / ")
    if sep and any("\u3400" <= c <= "\u9fff" for c in head):
        return head, tail
    return "", message
