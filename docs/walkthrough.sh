#!/usr/bin/env bash
# One certification walked through the HTTP API with curl: users, qualifications, application, documents,
# acceptance, agreement, audit, report and decision, then the certificate and its history as a regulator sees them.
# Run it against `registry serve` on a fresh store: REGISTRY=registry API=http://127.0.0.1:8000/api/v1 bash docs/walkthrough.sh
set -euo pipefail
R=${REGISTRY:-registry}
API=${API:-http://127.0.0.1:8000/api/v1}
ADMIN=$($R user add 管理员 --role admin | tail -1)
INTAKE=$($R user add 受理员 --role intake | tail -1)
LEADER_OUT=$($R user add 审核组长 --role auditor); LEADER=$(echo "$LEADER_OUT" | tail -1)
LEADER_ID=$(echo "$LEADER_OUT" | head -1 | sed 's/.*person //')
DECIDER=$($R user add 决定人员 --role decision | tail -1)
REGULATOR=$($R user add 监管员 --role regulator | tail -1)
TMP=$(mktemp -d)
post() { curl -sf -X POST "$API$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; echo; }
# The team leader's qualifications (R-TEAM-1, R-TEAM-2)
post /people/$LEADER_ID/registrations $ADMIN '{"kind":"ccaa_cems_auditor","number":"CCAA-001","valid_from":"2024-01-01","valid_until":"2029-12-31"}'
post /people/$LEADER_ID/registrations $ADMIN '{"kind":"enms_auditor","number":"ENMS-001","valid_from":"2024-01-01","valid_until":"2029-12-31"}'
post /people/$LEADER_ID/evaluations $ADMIN '{"on":"2025-01-10","sectors":["电力"]}'
# Application, documents, acceptance, agreement
post /organizations $INTAKE '{"uscc":"91110000600037341L","name":"北京绿能电力有限公司","address":"北京市海淀区中关村大街1号"}'
CASE=$(post /cases $INTAKE '{"organization_uscc":"91110000600037341L","kind":"initial","applied_on":"2026-09-01","scope":"燃煤发电的碳排放管理活动","levels":[{"level":"organization","method":"ISO 14064-1"}],"cems_operating_since":"2026-01-01","incident_report_commitment":true}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
for kind in application_form business_licences cems_documents legal_documents illegal_list_query process_flow_chart organisation_profile sites_list applicable_laws carbon_review_report carbon_baseline_and_targets; do
  printf "%s\n" "$kind" > "$TMP/$kind.pdf"
  curl -sf -X POST $API/cases/$CASE/documents -H "Authorization: Bearer $INTAKE" -F kind=$kind -F received_on=2026-09-02 -F file=@"$TMP/$kind.pdf"; echo
done
post /cases/$CASE/acceptance $INTAKE '{"decided_on":"2026-09-03","accepted":true,"review":{"information_sufficient":true,"requirements_understood":true,"competent_and_resourced":true},"reasons":"资料齐全"}'
post /cases/$CASE/agreement $INTAKE '{"signed_on":"2026-09-04","fee_paid_on":"2026-09-04"}'
# Audit
post /cases/$CASE/programme $LEADER '{"planned_on":"2026-09-07","person_days":4}'
post /cases/$CASE/team $ADMIN "{\"leader\":\"$LEADER_ID\",\"on\":\"2026-09-08\"}"
post /cases/$CASE/stage1 $LEADER '{"conducted_on":"2026-09-14","on_site":true,"findings":"具备二阶段审核条件"}'
post /cases/$CASE/stage2 $LEADER '{"conducted_on":"2026-09-21","nonconformities":[]}'
post /cases/$CASE/report $LEADER '{"submitted_on":"2026-09-23","focus_points":{"legal_compliance":"符合","system_conformity":"符合","key_points_control":"有效","targets_and_control":"已完成","carbon_review":"充分","performance_parameters":"适宜","targets_achievement":"已实现","deviation_handling":"已分析","self_improvement":"有效"},"quantified_performance":[{"indicator":"单位发电量碳排放","unit":"tCO2/MWh","baseline":0.85,"target":0.80,"actual":0.79}],"measurement_and_verification":"依据GB/T 32151核算","improvement_evaluation":"促进了碳绩效持续改进"}'
# Decision: the certificate is issued
post /cases/$CASE/decision $DECIDER '{"decided_on":"2026-09-30","grant":true,"conditions":{"legal_compliance":true,"management_improved":true,"no_penalty":true},"reasons":"满足认证决定条件"}'
curl -sf $API/certificates/CB-CEMS-2026-00001 -H "Authorization: Bearer $REGULATOR"; echo
curl -sf $API/certificates/CB-CEMS-2026-00001/history -H "Authorization: Bearer $REGULATOR" ; echo
# A step out of order is refused (R-FLOW-1) with problem+json, and nothing is written
curl -s -X POST $API/cases/$CASE/agreement -H "Authorization: Bearer $INTAKE" -H 'Content-Type: application/json' -d '{"signed_on":"2026-09-04","fee_paid_on":"2026-09-04"}'; echo
