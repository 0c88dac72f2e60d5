#!/usr/bin/env bash
# One certification walked through the HTTP API with curl: users, qualifications, application, documents,
# acceptance, agreement, audit, report and decision, then the certificate, its history and a document as a regulator
# sees them.
#
# With the registry running (`make run` in another terminal), from anywhere:   bash docs/walkthrough.sh
# Each run makes its own users and organisation (a fresh suffix and USCC), so it runs again and again, on the demo
# or on a fresh store. The users are made with the command line, on the server's own database:
#   REGISTRY               the registry command (default: this checkout's .venv/bin/registry, else `registry`)
#   REGISTRY_DATABASE_URL  the server's database (default: this checkout's registry.db, the one `make run` serves)
#   API                    the API (default http://127.0.0.1:8000/api/v1)
# A step that fails stops the walk and says which step, with the HTTP status and the problem the registry answered.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
API=${API:-http://127.0.0.1:8000/api/v1}
export REGISTRY_DATABASE_URL=${REGISTRY_DATABASE_URL:-sqlite:///$ROOT/registry.db}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { printf 'walkthrough: %s\n' "$*" >&2; exit 1; }

if [ -n "${REGISTRY:-}" ]; then R=$REGISTRY
elif [ -x "$ROOT/.venv/bin/registry" ]; then R=$ROOT/.venv/bin/registry
elif command -v registry >/dev/null; then R=registry
else fail "no registry command: run \`make setup\` (it makes .venv/bin/registry) or set REGISTRY"; fi

# call METHOD PATH TOKEN [curl options]: the answer goes to $TMP/answer and is printed; an error answer stops the
# walk, printing it.
call() {
  local method=$1 path=$2 token=$3 status hint=""
  shift 3
  status=$(curl -sS -o "$TMP/answer" -w '%{http_code}' -X "$method" "$API$path" -H "Authorization: Bearer $token" "$@") \
    || fail "$method $path: no answer from $API (is the registry running? \`make run\`, or set API)"
  if [ "$status" -ge 400 ]; then
    [ "$status" = 401 ] && hint=" (the server does not know this user: REGISTRY_DATABASE_URL must name its database)"
    fail "$method $path answered HTTP $status$hint: $(cat "$TMP/answer")"
  fi
  cat "$TMP/answer"; echo
}
post() { call POST "$1" "$2" -H 'Content-Type: application/json' -d "$3"; }
answered() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" "$TMP/answer"; }  # a string field of the last answer

# A fresh, valid Unified Social Credit Code (GB 32100-2015, R-ID-1): an enterprise in Beijing, a random body, and
# its check character (weights 3^(i-1) mod 31).
uscc() {
  local chars=0123456789ABCDEFGHJKLMNPQRTUWXY code=91110105 sum=0 weight=1 i rest check
  for i in 1 2 3 4 5 6 7 8 9; do code+=${chars:RANDOM%31:1}; done
  for ((i = 0; i < 17; i++)); do
    rest=${chars%%"${code:i:1}"*}
    sum=$((sum + ${#rest} * weight)); weight=$((weight * 3 % 31))
  done
  check=$((31 - sum % 31)); [ "$check" = 31 ] && check=0
  printf '%s%s\n' "$code" "${chars:check:1}"
}

curl -sS -o /dev/null "$API/ping" || fail "no answer from $API: start the registry (\`make run\`) or set API"
RUN=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
USCC=$(uscc)
# user NAME ROLE: makes the user and prints its token (the last line of `registry user add`)
user() { "$R" user add "$1-$RUN" --role "$2" > "$TMP/user" || fail "registry user add $1-$RUN failed (see above)"
         tail -1 "$TMP/user"; }
ADMIN=$(user 管理员 admin)
person_id() { head -1 "$TMP/user" | sed 's/.*person //'; }  # the person the last user made is bound to
INTAKE=$(user 受理员 intake); INTAKE_ID=$(person_id)
LEADER=$(user 审核组长 auditor); LEADER_ID=$(person_id)
DECIDER=$(user 决定人员 decision); DECIDER_ID=$(person_id)
REGULATOR=$(user 监管员 regulator)
echo "walkthrough $RUN: users made, organisation $USCC"

# The team leader's qualifications (R-TEAM-1, R-TEAM-2)
post /people/$LEADER_ID/registrations $ADMIN "{\"kind\":\"ccaa_cems_auditor\",\"number\":\"CCAA-$RUN\",\"valid_from\":\"2024-01-01\",\"valid_until\":\"2029-12-31\"}"
post /people/$LEADER_ID/registrations $ADMIN "{\"kind\":\"enms_auditor\",\"number\":\"ENMS-$RUN\",\"valid_from\":\"2024-01-01\",\"valid_until\":\"2029-12-31\"}"
post /people/$LEADER_ID/evaluations $ADMIN '{"on":"2025-01-10","sectors":["电力"]}'
# Everyone performing a certification function: education, work experience, the three trainings (R-STAFF-1)
for pid in $INTAKE_ID $LEADER_ID $DECIDER_ID; do
  post /people/$pid/qualifications $ADMIN '{"kind":"education","subject":"环境工程 硕士","on":"2020-07-01"}'
  post /people/$pid/qualifications $ADMIN '{"kind":"work_experience","subject":"能源管理 6 年","on":"2024-01-01"}'
  for subject in carbon_footprint life_cycle_assessment certification_technique; do
    post /people/$pid/qualifications $ADMIN "{\"kind\":\"training\",\"subject\":\"$subject\",\"on\":\"2025-03-01\"}"
  done
done
# The scope's sector in the body's list (R-TEAM-3), added on the first run
call GET /reference/sectors $ADMIN > /dev/null
grep -q '"name":"电力"' "$TMP/answer" || post /reference/sectors $ADMIN '{"name":"电力","code":"D44"}'
# Working days (R-CAL-1): each year with its source; a year nobody recorded yet is counted Monday–Friday
call GET /calendar/years $ADMIN > /dev/null
grep -o '{"year":2027,"source":"[a-z]*"' "$TMP/answer" || fail "GET /calendar/years does not list 2027"
# The body's CNCA approval (R-BODY-1): a fresh registry has none, and no certificate is issued on a day none covers.
# This one is demo data (no real approval has this number; the demo records the same), recorded on the first run.
call GET /body/approvals $ADMIN > /dev/null
grep -q '"number":"CNCA-R-DEMO-001"' "$TMP/answer" \
  || post /body/approvals $ADMIN '{"number":"CNCA-R-DEMO-001","valid_from":"2000-01-01","valid_until":"2099-12-31"}'
# Application, documents, acceptance, agreement
post /organizations $INTAKE "{\"uscc\":\"$USCC\",\"name\":\"京西示范电力有限公司（$RUN）\",\"address\":\"北京市海淀区中关村大街1号\"}"
post /cases $INTAKE "{\"organization_uscc\":\"$USCC\",\"kind\":\"initial\",\"applied_on\":\"2026-09-01\",\"scope\":\"燃煤发电的碳排放管理活动\",\"levels\":[{\"level\":\"organization\",\"method\":\"ISO 14064-1\"}],\"cems_operating_since\":\"2026-01-01\",\"incident_report_commitment\":true,\"sectors\":[\"电力\"]}"
CASE=$(answered id)
for kind in application_form business_licences cems_documents legal_documents illegal_list_query process_flow_chart organisation_profile sites_list applicable_laws carbon_review_report carbon_baseline_and_targets; do
  printf '%%PDF-1.7 %s %s\n' "$kind" "$RUN" > "$TMP/$kind.pdf"
  call POST /cases/$CASE/documents $INTAKE -F kind=$kind -F received_on=2026-09-02 -F "file=@$TMP/$kind.pdf;type=application/pdf"
  [ $kind = application_form ] && FORM_SHA=$(answered sha256)
done
post /cases/$CASE/acceptance $INTAKE '{"decided_on":"2026-09-03","accepted":true,"review":{"information_sufficient":true,"requirements_understood":true,"competent_and_resourced":true},"reasons":"资料齐全"}'
post /cases/$CASE/agreement $INTAKE '{"signed_on":"2026-09-04","fee_paid_on":"2026-09-04"}'
# Audit
post /cases/$CASE/programme $LEADER '{"planned_on":"2026-09-07","person_days":4,"basis":{"size":"职工约 800 人","scope":"燃煤发电","facilities_complexity":"燃煤锅炉 2 台","system_maturity":"体系运行 8 个月"},"cycle":[{"audit":"initial","planned_by":"2026-09-30","person_days":4},{"audit":"surveillance","planned_by":"2027-09-07","person_days":2},{"audit":"surveillance","planned_by":"2028-09-07","person_days":2},{"audit":"recertification","planned_by":"2029-06-07","person_days":3}]}'
post /cases/$CASE/team $ADMIN "{\"leader\":\"$LEADER_ID\",\"on\":\"2026-09-08\"}"
post /cases/$CASE/stage1 $LEADER '{"conducted_on":"2026-09-14","on_site":true,"findings":"具备二阶段审核条件","person_days":1,"key_audit_points":["入厂煤化验与燃料台账"]}'
post /cases/$CASE/stage2 $LEADER '{"conducted_on":"2026-09-21","nonconformities":[],"person_days":3}'
# The greenhouse-gas data review (R-GHG-2..4): a reference table of default factors (admin; each version once), an
# activity datum and a default factor checked against the table, and the review with its quality profile
post /reference/emission-factor-tables $ADMIN "{\"table\":\"核算指南缺省值\",\"version\":\"2026-$RUN\",\"entries\":[{\"key\":\"natural_gas\",\"value\":\"21.622\",\"unit\":\"tCO2/万Nm3\"}]}"
post /cases/$CASE/data-review/activity-data $LEADER '{"item":"天然气消耗量","unit":"万Nm3","source":"燃气计量表读数","monitoring_method":"流量计在线计量","monitoring_frequency":"连续","recording_frequency":"每日","missing_data_handling":"以同期平均值替代并注明","calibration":{"equipment":"燃气流量计 FT-01","calibrated_on":"2026-03-01","valid_until":"2027-02-28"},"cross_checks":[{"source_kind":"燃料合同","reference":"2026年供气结算单","agrees":true}],"sampling":null,"data_class":"continuous","lower_class_reason":"","emissions_tco2e":"1200","reviewed_on":"2026-09-21"}'
post /cases/$CASE/data-review/emission-factors $LEADER "{\"item\":\"天然气排放因子\",\"value\":\"21.622\",\"unit\":\"tCO2/万Nm3\",\"source\":\"《核算指南》附录二\",\"tier\":\"national\",\"lower_tier_reason\":\"未开展气质实测\",\"is_default\":true,\"guideline\":{\"table\":\"核算指南缺省值\",\"version\":\"2026-$RUN\",\"key\":\"natural_gas\"},\"emissions_tco2e\":\"1200\",\"reviewed_on\":\"2026-09-21\"}"
call GET /cases/$CASE/data-review $REGULATOR
post /cases/$CASE/report $LEADER '{"submitted_on":"2026-09-23","focus_points":{"legal_compliance":"符合","system_conformity":"符合","key_points_control":"有效","targets_and_control":"已完成","carbon_review":"充分","performance_parameters":"适宜","targets_achievement":"已实现","deviation_handling":"已分析","self_improvement":"有效"},"quantified_performance":[{"indicator":"单位发电量碳排放","unit":"tCO2/MWh","baseline":0.85,"target":0.80,"actual":0.79}],"measurement_and_verification":"依据GB/T 32151核算","improvement_evaluation":"促进了碳绩效持续改进"}'
# Decision: the certificate is issued, and its number answered
post /cases/$CASE/decision $DECIDER '{"decided_on":"2026-09-30","grant":true,"conditions":{"legal_compliance":true,"management_improved":true,"no_penalty":true},"reasons":"满足认证决定条件"}'
NUMBER=$(answered certificate_number)
# What a regulator sees: the certificate, its history, and a document of the case as it was received
call GET /certificates/$NUMBER $REGULATOR
call GET /certificates/$NUMBER/history $REGULATOR
call GET /cases/$CASE/documents/$FORM_SHA $REGULATOR -D "$TMP/headers" > /dev/null
grep -i '^content-disposition' "$TMP/headers"
cmp -s "$TMP/answer" "$TMP/application_form.pdf" || fail "the application form downloaded differs from the one uploaded"
echo "the application form downloaded is the one uploaded, byte for byte"
# A step out of order is refused (R-FLOW-1) with problem+json, and nothing is written
curl -sS -X POST $API/cases/$CASE/agreement -H "Authorization: Bearer $INTAKE" -H 'Content-Type: application/json' -d '{"signed_on":"2026-09-04","fee_paid_on":"2026-09-04"}'; echo
