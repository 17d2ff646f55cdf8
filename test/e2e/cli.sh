#!/usr/bin/env bash
# End-to-end test of logpond with the real AWS CLI v2.
#
#   AWS=/usr/bin/aws test/e2e/cli.sh
#
# Builds logpond, starts it on a free loopback port with a temporary data
# directory, drives it with `aws logs ...` and prints one line per check,
# "ok - ..." or "not ok - ..." (followed by "#"-prefixed details), then a
# summary line "N passed, M failed". Exits 0 only if every check passed.
#
# Environment:
#   AWS       the AWS CLI v2 to use (default: aws); must print aws-cli/2.x
#   GO        the go command (default: go)
#   PYTHON    a python3 for checking JSON output (default: the python3 on PATH)
#   KEEP_TMP  if non-empty, keep the temporary directory (server logs, every
#             command's stdout/stderr) and print its path
set -euo pipefail

AWS=${AWS:-aws}
GO=${GO:-go}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

PASS=0
FAIL=0

summary() { printf '%d passed, %d failed\n' "$PASS" "$FAIL"; }

# bail stops the run when the test cannot go on (a missing tool, a server
# that does not start).
bail() {
	echo "cli.sh: $*" >&2
	FAIL=$((FAIL + 1))
	printf 'not ok - %s\n' "$*"
	summary
	exit 2
}

# --- prerequisites ---------------------------------------------------------

command -v "$AWS" >/dev/null 2>&1 || bail "AWS CLI not found: '$AWS' (set AWS=/path/to/aws, version 2)"
command -v "$GO" >/dev/null 2>&1 || bail "go not found: '$GO' (set GO=...)"
# Resolve the real interpreter once: a pyenv shim costs half a second a call.
PY=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)' 2>/dev/null) || bail "python3 not found (set PYTHON=...)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/logpond-e2e.XXXXXX")
res=$tmp/res
mkdir -p "$res" "$tmp/aws"
server_pid=
follow_pid=
pids=()

cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"} $follow_pid $server_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in ${pids[@]+"${pids[@]}"} $follow_pid $server_pid; do
		wait "$p" 2>/dev/null || true
	done
	if [[ -n ${KEEP_TMP:-} ]]; then
		echo "# kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- running commands and checking their results ----------------------------

# step ID CMD...: runs CMD, keeping its stdout, stderr and exit status as
# $res/ID.{out,err,rc} for the checks below.
step() {
	local id=$1 rc=0
	shift
	printf '%q ' "$@" >"$res/$id.cmd"
	"$@" >"$res/$id.out" 2>"$res/$id.err" </dev/null || rc=$?
	echo "$rc" >"$res/$id.rc"
}
# spawn ID CMD...: step in the background; chain FUNC: a function of steps
# in the background; join: wait for both.
spawn() { step "$@" & pids+=("$!"); }
chain() { "$@" & pids+=("$!"); }
join() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do wait "$p" || true; done
	pids=()
}

pass() {
	PASS=$((PASS + 1))
	printf 'ok - %s\n' "$1"
}
# fail DESC DETAIL...: each detail (possibly multi-line) is printed with "#".
fail() {
	FAIL=$((FAIL + 1))
	printf 'not ok - %s\n' "$1"
	shift
	local d
	for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
}
details() {
	local id=$1
	echo "command: $(cat "$res/$id.cmd" 2>/dev/null)"
	echo "exit status: $(cat "$res/$id.rc" 2>/dev/null || echo '?')"
	echo "stdout:"
	head -c 3000 "$res/$id.out" 2>/dev/null | sed 's/^/  /'
	echo "stderr:"
	head -c 3000 "$res/$id.err" 2>/dev/null | sed 's/^/  /'
}
rc_of() { cat "$res/$1.rc" 2>/dev/null || echo 255; }

# check_ok ID DESC: the command succeeded.
check_ok() {
	if [[ $(rc_of "$1") == 0 ]]; then pass "$2"; else fail "$2" "$(details "$1")"; fi
}

# check_error ID EXCEPTION DESC: the command failed (non-zero exit) and the
# CLI named EXCEPTION ("An error occurred (EXCEPTION) when calling ...").
# EXCEPTION may be an alternation like A|B.
check_error() {
	local id=$1 exc=$2 desc=$3
	if [[ $(rc_of "$id") == 0 ]]; then
		fail "$desc" "expected a non-zero exit status and $exc" "$(details "$id")"
	elif grep -Eq "\\(($exc)\\)" "$res/$id.err"; then
		pass "$desc"
	else
		fail "$desc" "expected $exc in stderr" "$(details "$id")"
	fi
}

# check_py ID DESC EXPR EXPECTED: the command succeeded and the Python
# expression EXPR over its output equals EXPECTED (also a Python expression).
# Names available: d (stdout parsed as JSON, or None), raw, lines, msgs(d)
# (the messages of d["events"]), re, and the values of $tmp/expect.json.
check_py() {
	local id=$1 desc=$2 out
	if [[ $(rc_of "$id") != 0 ]]; then
		fail "$desc" "$(details "$id")"
		return
	fi
	check_py_any "$@"
}
# check_py_any: check_py without looking at the exit status.
check_py_any() {
	local id=$1 desc=$2 expr=$3 expected=$4 out
	if out=$("$PY" "$tmp/check.py" "$res/$id.out" "$expr" "$expected" "$tmp/expect.json" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "$out" "$(details "$id")"
	fi
}

cat >"$tmp/check.py" <<'EOF'
import json, re, sys
path, expr, expected, ctxfile = sys.argv[1:5]
raw = open(path, encoding="utf-8", errors="replace").read()
try:
    d = json.loads(raw)
except ValueError:
    d = None
env = dict(json.load(open(ctxfile)))
env.update(d=d, raw=raw, lines=raw.splitlines(), re=re, json=json,
           msgs=lambda x: [e["message"] for e in x["events"]])
try:
    got = eval(expr, env)
except Exception as e:  # a missing key etc. is a failed check, not a crash
    got = "<%s: %s>" % (type(e).__name__, e)
want = eval(expected, env)
if got == want:
    sys.exit(0)
print("check:    %s" % expr)
print("expected: %r" % (want,))
print("got:      %r" % (got,))
sys.exit(1)
EOF

# --- identities, CLI environment ------------------------------------------

REGION=us-east-1
ACCOUNT_A=123456789012
KEY_A=AKIALOGPONDE2E000001
SECRET_A=e2eSecretAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
ACCOUNT_B=210987654321
KEY_B=AKIALOGPONDE2E000002
SECRET_B=e2eSecretBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB

# Keep the caller's AWS configuration out of the way.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN \
	AWS_ENDPOINT_URL AWS_ENDPOINT_URL_CLOUDWATCH_LOGS AWS_CLI_AUTO_PROMPT \
	AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CA_BUNDLE \
	AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
: >"$tmp/aws/config"
: >"$tmp/aws/credentials"
export AWS_CONFIG_FILE=$tmp/aws/config AWS_SHARED_CREDENTIALS_FILE=$tmp/aws/credentials
export AWS_ACCESS_KEY_ID=$KEY_A AWS_SECRET_ACCESS_KEY=$SECRET_A
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
export AWS_PAGER="" AWS_DEFAULT_OUTPUT=json AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
# `aws logs tail --follow` writes without flushing; have Python not buffer.
export PYTHONUNBUFFERED=1

# PutLogGroupDeletionProtection (2025) is newer than many CLI v2 builds
# (Debian's 2.9 has no put-log-group-deletion-protection). If the CLI lacks
# it, a one-operation service model on AWS_DATA_PATH provides it as
# `aws logs-extra put-log-group-deletion-protection`: same endpoint, same
# SigV4 signing name ("logs"), same X-Amz-Target.
mkdir -p "$tmp/aws/models/logs-extra/2014-03-28"
cat >"$tmp/aws/models/logs-extra/2014-03-28/service-2.json" <<'EOF'
{
  "version": "2.0",
  "metadata": {
    "apiVersion": "2014-03-28", "endpointPrefix": "logs", "jsonVersion": "1.1",
    "protocol": "json", "serviceFullName": "CloudWatch Logs operations newer than this CLI",
    "serviceId": "Logs Extra", "signatureVersion": "v4", "signingName": "logs",
    "targetPrefix": "Logs_20140328", "uid": "logs-extra-2014-03-28"
  },
  "operations": {
    "PutLogGroupDeletionProtection": {
      "name": "PutLogGroupDeletionProtection",
      "http": {"method": "POST", "requestUri": "/"},
      "input": {"shape": "PutLogGroupDeletionProtectionRequest"},
      "errors": [{"shape": "InvalidParameterException"}, {"shape": "ResourceNotFoundException"}]
    }
  },
  "shapes": {
    "PutLogGroupDeletionProtectionRequest": {
      "type": "structure",
      "required": ["logGroupIdentifier", "deletionProtectionEnabled"],
      "members": {
        "logGroupIdentifier": {"shape": "LogGroupIdentifier"},
        "deletionProtectionEnabled": {"shape": "DeletionProtectionEnabled"}
      }
    },
    "LogGroupIdentifier": {"type": "string", "max": 2048, "min": 1, "pattern": "[\\w#+=/:,.@-]*"},
    "DeletionProtectionEnabled": {"type": "boolean"},
    "InvalidParameterException": {"type": "structure", "members": {"message": {"shape": "Message"}}, "exception": true},
    "ResourceNotFoundException": {"type": "structure", "members": {"message": {"shape": "Message"}}, "exception": true},
    "Message": {"type": "string"}
  }
}
EOF
export AWS_DATA_PATH=$tmp/aws/models

ENDPOINT=
lp() { "$AWS" --endpoint-url "$ENDPOINT" --color off logs "$@"; }
lp_as() {
	local key=$1 secret=$2
	shift 2
	AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret lp "$@"
}
lp_b() { lp_as "$KEY_B" "$SECRET_B" "$@"; }
DP_NATIVE=0
deletion_protection() {
	if [[ $DP_NATIVE == 1 ]]; then
		lp put-log-group-deletion-protection "$@"
	else
		"$AWS" --endpoint-url "$ENDPOINT" logs-extra put-log-group-deletion-protection "$@"
	fi
}

# --- build, server -----------------------------------------------------------

spawn version "$AWS" --version
spawn dp_probe "$AWS" logs put-log-group-deletion-protection --generate-cli-skeleton
(cd "$root" && "$GO" build -o "$tmp/logpond" ./cmd/logpond) >"$tmp/build.log" 2>&1 ||
	bail "go build ./cmd/logpond failed: $(cat "$tmp/build.log")"
join
cli_version=$(cat "$res/version.out" "$res/version.err")
case $cli_version in
aws-cli/2.*) ;;
*) bail "need AWS CLI v2, but '$AWS --version' printed: ${cli_version:-nothing} (exit $(rc_of version)); set AWS=/usr/bin/aws" ;;
esac
[[ $(rc_of dp_probe) == 0 ]] && DP_NATIVE=1
echo "# $cli_version"
if [[ $DP_NATIVE == 1 ]]; then
	echo "# deletion protection via: aws logs put-log-group-deletion-protection"
else
	echo "# deletion protection via: aws logs-extra put-log-group-deletion-protection (supplemental model)"
fi

healthz() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 2 "$ENDPOINT/healthz" 2>/dev/null | grep -qx ok
	else
		local hp=${ENDPOINT#http://} resp
		exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}" || return 1
		printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$hp" >&3
		resp=$(cat <&3) || true
		exec 3<&-
		[[ $resp == "HTTP/1."?" 200"* ]]
	fi
}

# start_server LOG ARGS...: starts logpond on 127.0.0.1:0 and sets ENDPOINT
# from the address it logs. Identities come from the environment or ARGS.
start_server() {
	local log=$1 addr= i
	shift
	# The log exists before the server does: the background shell opens
	# it only once scheduled, and reading it first failed the run (sed
	# exits 2 on a missing file, and pipefail ends the script).
	: >"$log"
	"$tmp/logpond" server --listen 127.0.0.1:0 --data-dir "$tmp/data" "$@" 2>"$log" &
	server_pid=$!
	for ((i = 0; i < 300; i++)); do
		addr=$(sed -n 's/.*msg="logpond listening" addr=\([^ ]*\).*/\1/p' "$log" | head -n 1)
		[[ -n $addr ]] && break
		kill -0 "$server_pid" 2>/dev/null || bail "server exited at startup: $(cat "$log")"
		sleep 0.1
	done
	[[ -n $addr ]] || bail "server did not log 'logpond listening' within 30s: $(cat "$log")"
	ENDPOINT=http://$addr
	for ((i = 0; i < 100; i++)); do
		healthz && return 0
		sleep 0.1
	done
	bail "GET $ENDPOINT/healthz did not answer ok"
}

# stop_server: SIGTERM, and wait; returns the server's exit status.
stop_server() {
	local rc=0
	kill -TERM "$server_pid" 2>/dev/null || true
	wait "$server_pid" || rc=$?
	server_pid=
	return "$rc"
}

LOGPOND_ACCESS_KEY_ID=$KEY_A LOGPOND_SECRET_ACCESS_KEY=$SECRET_A LOGPOND_ACCOUNT_ID=$ACCOUNT_A \
	start_server "$tmp/server1.log"
echo "# server: $ENDPOINT (data dir $tmp/data); lp = $AWS --endpoint-url $ENDPOINT --color off logs"

# --- test data ----------------------------------------------------------------

G=/e2e/app        # events, filters, tags, retention; deleted at the end
G2=/e2e/audit     # followed with tail --follow; outlives a server restart
G3=/zzz/unrelated # not under the /e2e/ prefix
S=web-1
S2=web-2
S3=audit-1
ARN_G=arn:aws:logs:$REGION:$ACCOUNT_A:log-group:$G
ARN_G2=arn:aws:logs:$REGION:$ACCOUNT_A:log-group:$G2

# Events of the last minute; web-2's one event is the newest of /e2e/app.
"$PY" - "$tmp" "$ACCOUNT_A" "$ACCOUNT_B" <<'EOF'
import json, sys, time
tmp, acct_a, acct_b = sys.argv[1:4]
M = [
    "hello world from logpond",
    "user login failed for alice",
    '{"level":"ERROR","msg":"disk full","code":507}',
    '{"level":"INFO","msg":"all good","code":200}',
    "10.0.0.1 alice 503",
    "10.0.0.2 bob 200",
    "10.0.0.3 carol 500",
    "a warning was raised",
]
W0 = "late event on web-2"
A0 = "audit record one"
F = ["follow event one", "follow event two"]
now = int(time.time() * 1000)
T = [now - 60000 + 1000 * i for i in range(len(M))]
json.dump([{"timestamp": t, "message": m} for t, m in zip(T, M)], open(tmp + "/events-web1.json", "w"))
json.dump([{"timestamp": now - 1000, "message": W0}], open(tmp + "/events-web2.json", "w"))
json.dump([{"timestamp": now - 30000, "message": A0}], open(tmp + "/events-audit.json", "w"))
json.dump(dict(M=M, T=T, W0=W0, W0T=now - 1000, A0=A0, F=F, ACCOUNT_A=acct_a, ACCOUNT_B=acct_b),
          open(tmp + "/expect.json", "w"))
EOF

# --- 1. groups, streams, events ---------------------------------------------

echo "# groups, streams, events (t=${SECONDS}s)"
spawn cg lp create-log-group --log-group-name "$G" --tags team=core,env=test
spawn cg2 lp create-log-group --log-group-name "$G2" --tags owner=audit
spawn cg3 lp create-log-group --log-group-name "$G3"
join
check_ok cg "create-log-group $G with tags"
check_ok cg2 "create-log-group $G2"
check_ok cg3 "create-log-group $G3"

spawn cs lp create-log-stream --log-group-name "$G" --log-stream-name "$S"
spawn cs2 lp create-log-stream --log-group-name "$G" --log-stream-name "$S2"
spawn cs3 lp create-log-stream --log-group-name "$G2" --log-stream-name "$S3"
spawn cg_dup lp create-log-group --log-group-name "$G"
join
check_ok cs "create-log-stream $G/$S"
check_ok cs2 "create-log-stream $G/$S2"
check_ok cs3 "create-log-stream $G2/$S3"
check_error cg_dup ResourceAlreadyExistsException "create-log-group of an existing group fails with ResourceAlreadyExistsException"

spawn put1 lp put-log-events --log-group-name "$G" --log-stream-name "$S" --log-events "file://$tmp/events-web1.json"
spawn put2 lp put-log-events --log-group-name "$G" --log-stream-name "$S2" --log-events "file://$tmp/events-web2.json"
spawn put3 lp put-log-events --log-group-name "$G2" --log-stream-name "$S3" --log-events "file://$tmp/events-audit.json"
spawn cs_dup lp create-log-stream --log-group-name "$G" --log-stream-name "$S"
join
check_py put1 "put-log-events (8 events) returns a nextSequenceToken and rejects nothing" \
	'(bool(re.fullmatch(r"[0-9]+", d.get("nextSequenceToken", ""))), "rejectedLogEventsInfo" in d)' '(True, False)'
check_py put2 "put-log-events to $S2 returns a nextSequenceToken" \
	'bool(re.fullmatch(r"[0-9]+", d.get("nextSequenceToken", "")))' 'True'
check_ok put3 "put-log-events to $G2/$S3"
check_error cs_dup ResourceAlreadyExistsException "create-log-stream of an existing stream fails with ResourceAlreadyExistsException"

# `aws logs tail --follow` polls every 5 s; it runs in the background while
# the next sections go on. Python re-enables SIGINT (a background job starts
# with it ignored) so that the CLI can be stopped like Ctrl-C.
"$PY" -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
	"$AWS" --endpoint-url "$ENDPOINT" --color off logs tail "$G2" --follow --since 10m \
	>"$res/follow.out" 2>"$res/follow.err" </dev/null &
follow_pid=$!
printf '%q ' "$AWS" --endpoint-url "$ENDPOINT" --color off logs tail "$G2" --follow --since 10m >"$res/follow.cmd"

# --- 2. reading ---------------------------------------------------------------

echo "# reading: get-log-events, filter-log-events, tail, describe (t=${SECONDS}s)"
spawn get_default lp get-log-events --log-group-name "$G" --log-stream-name "$S"
spawn get_tail3 lp get-log-events --log-group-name "$G" --log-stream-name "$S" --limit 3
spawn get_text lp get-log-events --log-group-name "$G" --log-stream-name "$S" --start-from-head \
	--query 'events[].message' --output text
spawn f_term lp filter-log-events --log-group-name "$G" --filter-pattern 'hello'
spawn f_phrase lp filter-log-events --log-group-name "$G" --filter-pattern '"login failed"'
spawn f_or lp filter-log-events --log-group-name "$G" --filter-pattern '?warning ?hello'
spawn f_and lp filter-log-events --log-group-name "$G" --filter-pattern 'alice 503'
spawn f_json lp filter-log-events --log-group-name "$G" --filter-pattern '{ $.level = "ERROR" }'
spawn f_jsonnum lp filter-log-events --log-group-name "$G" --filter-pattern '{ $.code > 500 }'
spawn f_space lp filter-log-events --log-group-name "$G" --filter-pattern '[ip, user, status = 5*]'
spawn tail_since lp tail "$G" --since 1h
spawn dg lp describe-log-groups --log-group-name-prefix /e2e/
spawn ds_desc lp describe-log-streams --log-group-name "$G" --order-by LastEventTime --descending
spawn tags0 lp list-tags-log-group --log-group-name "$G"
spawn badsig lp_as "$KEY_A" wrongSecretwrongSecretwrongSecretwrongSec describe-log-groups
spawn badkey lp_as AKIALOGPONDUNKNOWN01 "$SECRET_A" describe-log-groups
join

check_py get_default "get-log-events (default: latest events) returns the 8 messages in order" 'msgs(d)' 'M'
check_py get_default "get-log-events returns f/ and b/ tokens and the put timestamps" \
	'(d["nextForwardToken"][:2], d["nextBackwardToken"][:2], [e["timestamp"] for e in d["events"]])' '("f/", "b/", T)'
check_py get_tail3 "get-log-events --limit 3 returns the last 3 events" 'msgs(d)' 'M[5:]'
check_py get_text "get-log-events --start-from-head --query events[].message --output text" \
	'raw.rstrip("\n").split("\t")' 'M'
check_py f_term "filter-log-events 'hello' (term)" 'msgs(d)' '[M[0]]'
check_py f_phrase "filter-log-events '\"login failed\"' (quoted phrase)" 'msgs(d)' '[M[1]]'
check_py f_or "filter-log-events '?warning ?hello' (OR)" 'msgs(d)' '[M[0], M[7]]'
check_py f_and "filter-log-events 'alice 503' (AND of terms)" 'msgs(d)' '[M[4]]'
check_py f_json "filter-log-events '{ \$.level = \"ERROR\" }' (JSON)" 'msgs(d)' '[M[2]]'
check_py f_jsonnum "filter-log-events '{ \$.code > 500 }' (JSON, numeric)" 'msgs(d)' '[M[2]]'
check_py f_space "filter-log-events '[ip, user, status = 5*]' (space-delimited)" 'msgs(d)' '[M[4], M[6]]'
check_py f_term "filter-log-events names the stream and a 56-digit eventId" \
	'[(e["logStreamName"], len(e["eventId"])) for e in d["events"]]' '[("web-1", 56)]'
check_py tail_since "logs tail --since 1h prints every event of the group, one line each" \
	'[m for m in M + [W0] if sum(m in l for l in lines) != 1] + ([] if len(lines) == 9 else ["%d lines" % len(lines)])' '[]'
check_py tail_since "logs tail lines name the stream" \
	'sorted(set(l.split(" ")[1] for l in lines if l))' '["web-1", "web-2"]'
check_py dg "describe-log-groups --log-group-name-prefix /e2e/" \
	'[g["logGroupName"] for g in d["logGroups"]]' '["/e2e/app", "/e2e/audit"]'
check_py dg "describe-log-groups returns the group ARN" \
	'[g["arn"] for g in d["logGroups"]][0]' '"arn:aws:logs:us-east-1:%s:log-group:/e2e/app:*" % ACCOUNT_A'
check_py ds_desc "describe-log-streams --order-by LastEventTime --descending" \
	'[s["logStreamName"] for s in d["logStreams"]]' '["web-2", "web-1"]'
check_py ds_desc "describe-log-streams reports first/last event timestamps" \
	'[(s["logStreamName"], s.get("firstEventTimestamp"), s.get("lastEventTimestamp")) for s in d["logStreams"]]' \
	'[("web-2", W0T, W0T), ("web-1", T[0], T[-1])]'
check_py tags0 "list-tags-log-group shows the tags given at creation" 'd["tags"]' '{"team": "core", "env": "test"}'
check_error badsig InvalidSignatureException "a request signed with a wrong secret fails with InvalidSignatureException"
check_error badkey UnrecognizedClientException "a request with an unknown access key fails with UnrecognizedClientException"

# --- 3. retention, tags, paging, follow: five chains at once ----------------

echo "# retention, tags, paging, tail --follow (t=${SECONDS}s)"
retention_chain() {
	step ret_put lp put-retention-policy --log-group-name "$G" --retention-in-days 7
	step ret_desc1 lp describe-log-groups --log-group-name-prefix "$G"
	step ret_bad lp put-retention-policy --log-group-name "$G" --retention-in-days 2
	step ret_del lp delete-retention-policy --log-group-name "$G"
	step ret_desc2 lp describe-log-groups --log-group-name-prefix "$G"
}
tags_chain() {
	step tag_res lp tag-resource --resource-arn "$ARN_G" --tags owner=ops,tier=1
	step tag_list1 lp list-tags-for-resource --resource-arn "$ARN_G"
	step untag_res lp untag-resource --resource-arn "$ARN_G" --tag-keys env tier
	step tag_list2 lp list-tags-for-resource --resource-arn "$ARN_G"
}
# The deprecated name-based tagging operations, on another group.
tags_lg_chain() {
	step tag_lg lp tag-log-group --log-group-name "$G3" --tags stage=beta,env=dev
	step tag_lg_list1 lp list-tags-log-group --log-group-name "$G3"
	step untag_lg lp untag-log-group --log-group-name "$G3" --tags env
	step tag_lg_list2 lp list-tags-log-group --log-group-name "$G3"
}
paging_chain() {
	step page1 lp get-log-events --log-group-name "$G" --log-stream-name "$S" --start-from-head --limit 3
	local tok
	tok=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["nextForwardToken"])' "$res/page1.out" 2>/dev/null) || tok=missing
	step page2 lp get-log-events --log-group-name "$G" --log-stream-name "$S" --start-from-head --limit 3 --next-token "$tok"
}
# follow_chain: once tail --follow has printed the existing event (its first
# poll is done), put two new ones.
follow_chain() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "audit record one" "$res/follow.out" 2>/dev/null && break
		kill -0 "$follow_pid" 2>/dev/null || break
		sleep 0.1
	done
	"$PY" - "$tmp" <<'EOF'
import json, sys, time
tmp = sys.argv[1]
now = int(time.time() * 1000)
F = json.load(open(tmp + "/expect.json"))["F"]
json.dump([{"timestamp": now + i, "message": m} for i, m in enumerate(F)], open(tmp + "/events-follow.json", "w"))
EOF
	step follow_put lp put-log-events --log-group-name "$G2" --log-stream-name "$S3" --log-events "file://$tmp/events-follow.json"
	for ((i = 0; i < 150; i++)); do
		grep -q "follow event two" "$res/follow.out" 2>/dev/null && break
		kill -0 "$follow_pid" 2>/dev/null || break
		sleep 0.1
	done
	date +%s >"$res/follow.seen"
}
chain retention_chain
chain tags_chain
chain tags_lg_chain
chain paging_chain
chain follow_chain
join

check_ok ret_put "put-retention-policy --retention-in-days 7"
check_py ret_desc1 "describe-log-groups shows retentionInDays 7" '[g.get("retentionInDays") for g in d["logGroups"]]' '[7]'
check_error ret_bad InvalidParameterException "put-retention-policy --retention-in-days 2 fails with InvalidParameterException"
check_ok ret_del "delete-retention-policy"
check_py ret_desc2 "describe-log-groups shows no retention after delete-retention-policy" \
	'[g.get("retentionInDays") for g in d["logGroups"]]' '[None]'
check_ok tag_res "tag-resource --resource-arn (group ARN) --tags owner=ops,tier=1"
check_py tag_list1 "list-tags-for-resource shows creation and added tags" 'd["tags"]' \
	'{"team": "core", "env": "test", "owner": "ops", "tier": "1"}'
check_ok untag_res "untag-resource --tag-keys env tier"
check_py tag_list2 "list-tags-for-resource after untag-resource" 'd["tags"]' '{"team": "core", "owner": "ops"}'
check_ok tag_lg "tag-log-group $G3 --tags stage=beta,env=dev"
check_py tag_lg_list1 "list-tags-log-group after tag-log-group" 'd["tags"]' '{"stage": "beta", "env": "dev"}'
check_ok untag_lg "untag-log-group --tags env"
check_py tag_lg_list2 "list-tags-log-group after untag-log-group" 'd["tags"]' '{"stage": "beta"}'
check_py page1 "get-log-events --start-from-head --limit 3 returns the first 3 events" 'msgs(d)' 'M[:3]'
check_py page2 "get-log-events --next-token (nextForwardToken) returns the next page" 'msgs(d)' 'M[3:6]'
check_ok follow_put "put-log-events while tail --follow runs"

# --- 4. deletion protection, deletes ----------------------------------------

echo "# deletion protection, deletes (t=${SECONDS}s)"
step dp_on deletion_protection --log-group-identifier "$G" --deletion-protection-enabled
check_ok dp_on "put-log-group-deletion-protection --deletion-protection-enabled"
step dp_del lp delete-log-group --log-group-name "$G"
if [[ $(rc_of dp_del) != 0 ]] && grep -qi "deletion protection" "$res/dp_del.err"; then
	pass "delete-log-group of a protected group fails: $(grep -o '([A-Za-z]*Exception)' "$res/dp_del.err" | head -n 1 | tr -d '()')"
else
	fail "delete-log-group of a protected group fails" "expected a non-zero exit and a message about deletion protection" "$(details dp_del)"
fi
spawn dp_still lp describe-log-groups --log-group-name-prefix "$G"
spawn dp_off deletion_protection --log-group-identifier "$ARN_G" --no-deletion-protection-enabled
join
check_py dp_still "the protected group still exists" '[g["logGroupName"] for g in d["logGroups"]]' '["/e2e/app"]'
check_ok dp_off "put-log-group-deletion-protection --no-deletion-protection-enabled (by ARN)"
spawn del_s lp delete-log-stream --log-group-name "$G" --log-stream-name "$S"
spawn del_s2 lp delete-log-stream --log-group-name "$G" --log-stream-name "$S2"
join
check_ok del_s "delete-log-stream $S"
check_ok del_s2 "delete-log-stream $S2"
step del_g lp delete-log-group --log-group-name "$G"
check_ok del_g "delete-log-group after disabling deletion protection"
spawn gone_get lp get-log-events --log-group-name "$G" --log-stream-name "$S"
spawn gone_desc lp describe-log-groups --log-group-name-prefix /e2e/
spawn gone_del lp delete-log-group --log-group-name "$G"
join
check_error gone_get ResourceNotFoundException "get-log-events on a deleted group fails with ResourceNotFoundException"
check_py gone_desc "describe-log-groups no longer lists the deleted group" \
	'[g["logGroupName"] for g in d["logGroups"]]' '["/e2e/audit"]'
check_error gone_del ResourceNotFoundException "delete-log-group of a deleted group fails with ResourceNotFoundException"

# --- tail --follow results ----------------------------------------------------

# Let tail poll once more (every 5 s) after the new events showed, to see
# that none is printed twice, then stop the CLI like Ctrl-C.
seen_at=$(cat "$res/follow.seen" 2>/dev/null || date +%s)
while (($(date +%s) - seen_at < 6)) && kill -0 "$follow_pid" 2>/dev/null; do sleep 0.2; done
kill -INT "$follow_pid" 2>/dev/null || true
for ((i = 0; i < 50; i++)); do kill -0 "$follow_pid" 2>/dev/null || break; sleep 0.1; done
kill -TERM "$follow_pid" 2>/dev/null || true
rc=0
wait "$follow_pid" || rc=$?
follow_pid=
echo "$rc" >"$res/follow.rc"
check_py_any follow "logs tail --follow prints the existing event" \
	'sum(A0 in l for l in lines)' '1'
check_py_any follow "logs tail --follow prints events put while it runs, each once" \
	'[sum(m in l for l in lines) for m in F]' '[1, 1]'

# --- 5. restart with a credentials file; a second account --------------------

echo "# restart with --credentials (two accounts) (t=${SECONDS}s)"
if stop_server; then pass "server stops cleanly on SIGTERM"; else fail "server stops cleanly on SIGTERM" "$(tail -n 20 "$tmp/server1.log")"; fi
cat >"$tmp/credentials.json" <<EOF
{"credentials": [
  {"accessKeyId": "$KEY_A", "secretAccessKey": "$SECRET_A", "accountId": "$ACCOUNT_A"},
  {"accessKeyId": "$KEY_B", "secretAccessKey": "$SECRET_B", "accountId": "$ACCOUNT_B"}
]}
EOF
start_server "$tmp/server2.log" --credentials "$tmp/credentials.json"
echo "# server: $ENDPOINT"

spawn a_desc lp describe-log-groups
spawn a_events lp get-log-events --log-group-name "$G2" --log-stream-name "$S3" --start-from-head
spawn b_desc lp_b describe-log-groups
spawn b_get lp_b get-log-events --log-group-name "$G2" --log-stream-name "$S3"
spawn b_tags lp_b list-tags-for-resource --resource-arn "$ARN_G2"
spawn b_filter lp_b filter-log-events --log-group-name "$G2"
join
check_py a_desc "account A (from the file) still sees its groups after the restart" \
	'[g["logGroupName"] for g in d["logGroups"]]' '["/e2e/audit", "/zzz/unrelated"]'
check_py a_events "account A's events survive the restart" 'msgs(d)' '[A0] + F'
check_py b_desc "account B sees none of account A's groups" 'd["logGroups"]' '[]'
check_error b_get ResourceNotFoundException "account B cannot read account A's group (ResourceNotFoundException)"
check_error b_tags "ResourceNotFoundException|AccessDeniedException" "account B cannot list tags of account A's group ARN"
check_error b_filter ResourceNotFoundException "account B cannot filter account A's group (ResourceNotFoundException)"

step b_create lp_b create-log-group --log-group-name "$G2" --tags owner=b
check_ok b_create "account B can create a group with the same name as account A's"
spawn b_desc2 lp_b describe-log-groups
spawn a_desc2 lp describe-log-groups --log-group-name-prefix "$G2"
spawn a_tags lp list-tags-log-group --log-group-name "$G2"
join
check_py b_desc2 "account B sees only its own group, with its own account in the ARN" \
	'[(g["logGroupName"], g["arn"]) for g in d["logGroups"]]' \
	'[("/e2e/audit", "arn:aws:logs:us-east-1:%s:log-group:/e2e/audit:*" % ACCOUNT_B)]'
check_py a_desc2 "account A's group is unchanged by account B's" \
	'[g["arn"] for g in d["logGroups"]]' '["arn:aws:logs:us-east-1:%s:log-group:/e2e/audit:*" % ACCOUNT_A]'
check_py a_tags "account A's tags are unchanged by account B's" 'd["tags"]' '{"owner": "audit"}'

# --- configuration resources: metric, subscription filters, destinations ----
# (issue 5, configuration resources; kept as one section so that the rest of
# the script can change independently. Runs as account A on the restarted
# server.)

echo "# configuration resources (t=${SECONDS}s)"
CG=/e2e/config
CARN="arn:aws:logs:$REGION:$ACCOUNT_A"
KINESIS="arn:aws:kinesis:$REGION:$ACCOUNT_A:stream/e2e"
ROLE="arn:aws:iam::$ACCOUNT_A:role/e2e"
step cfg_group lp create-log-group --log-group-name "$CG"
check_ok cfg_group "create-log-group $CG for configuration resources"
step cfg_mf1 lp put-metric-filter --log-group-name "$CG" --filter-name errors --filter-pattern ERROR \
	--metric-transformations metricName=Errors,metricNamespace=e2e,metricValue=1,defaultValue=0
step cfg_mf2 lp put-metric-filter --log-group-name "$CG" --filter-name latency --filter-pattern '{ $.ms > 0 }' \
	--metric-transformations 'metricName=Latency,metricNamespace=e2e,metricValue=$.ms,unit=Milliseconds,dimensions={Service=$.service}'
check_ok cfg_mf1 "put-metric-filter with a default value"
check_ok cfg_mf2 "put-metric-filter with a JSON field value and a dimension"
spawn cfg_mf_desc lp describe-metric-filters --log-group-name "$CG"
spawn cfg_mf_page lp describe-metric-filters --log-group-name "$CG" --max-items 1
spawn cfg_mf_metric lp describe-metric-filters --metric-name Latency --metric-namespace e2e
spawn cfg_mf_bad lp put-metric-filter --log-group-name "$CG" --filter-name bad --filter-pattern ERROR \
	--metric-transformations 'metricName=M,metricNamespace=e2e,metricValue=$.ms'
spawn cfg_mf_test lp test-metric-filter --filter-pattern '[ip, user, status = 5*]' \
	--log-event-messages '10.0.0.1 alice 200' '10.0.0.2 bob 503'
spawn cfg_groups lp describe-log-groups --log-group-name-prefix "$CG"
join
check_py cfg_mf_desc "describe-metric-filters returns both filters exactly, in name order" \
	'[(f["filterName"], f["filterPattern"], f["metricTransformations"][0]["metricValue"]) for f in d["metricFilters"]]' \
	'[("errors", "ERROR", "1"), ("latency", "{ $.ms > 0 }", "$.ms")]'
check_py cfg_mf_page "describe-metric-filters paginates (--max-items 1)" \
	'(len(d["metricFilters"]), "NextToken" in d)' '(1, True)'
check_py cfg_mf_metric "describe-metric-filters by metric name and namespace" \
	'[(f["filterName"], f["metricTransformations"][0]["dimensions"]) for f in d["metricFilters"]]' '[("latency", {"Service": "$.service"})]'
check_error cfg_mf_bad InvalidParameterException "put-metric-filter refuses a field value with a term pattern"
check_py cfg_mf_test "test-metric-filter matches and extracts values" \
	'[(m["eventNumber"], m["extractedValues"]["$status"]) for m in d["matches"]]' '[(2, "503")]'
check_py cfg_groups "describe-log-groups reports metricFilterCount" \
	'[g["metricFilterCount"] for g in d["logGroups"]]' '[2]'

step cfg_dest lp put-destination --destination-name e2e-dest --target-arn "$KINESIS" --role-arn "$ROLE"
check_py cfg_dest "put-destination returns the destination's ARN" \
	'd["destination"]["arn"]' '"arn:aws:logs:us-east-1:%s:destination:e2e-dest" % ACCOUNT_A'
step cfg_dest_pol lp put-destination-policy --destination-name e2e-dest \
	--access-policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"'"$ACCOUNT_B"'"},"Action":"logs:PutSubscriptionFilter","Resource":"*"}]}'
check_ok cfg_dest_pol "put-destination-policy"
spawn cfg_sf1 lp put-subscription-filter --log-group-name "$CG" --filter-name to-kinesis --filter-pattern ERROR \
	--destination-arn "$KINESIS" --role-arn "$ROLE" --distribution Random
spawn cfg_sf2 lp put-subscription-filter --log-group-name "$CG" --filter-name to-dest --filter-pattern "" \
	--destination-arn "$CARN:destination:e2e-dest"
join
check_ok cfg_sf1 "put-subscription-filter to a Kinesis stream"
check_ok cfg_sf2 "put-subscription-filter to a logs destination"
spawn cfg_sf3 lp put-subscription-filter --log-group-name "$CG" --filter-name third --filter-pattern "" \
	--destination-arn "$KINESIS" --role-arn "$ROLE"
spawn cfg_sf_norole lp put-subscription-filter --log-group-name "$CG" --filter-name to-kinesis --filter-pattern "" \
	--destination-arn "$KINESIS"
spawn cfg_sf_desc lp describe-subscription-filters --log-group-name "$CG"
spawn cfg_dest_desc lp describe-destinations --destination-name-prefix e2e
spawn cfg_dest_b lp_b describe-destinations
join
check_error cfg_sf3 LimitExceededException "a third subscription filter fails with LimitExceededException"
check_error cfg_sf_norole InvalidParameterException "a Kinesis subscription filter without roleArn fails"
check_py cfg_sf_desc "describe-subscription-filters returns both filters exactly" \
	'[(f["filterName"], f["distribution"], f.get("roleArn")) for f in d["subscriptionFilters"]]' \
	'[("to-dest", "ByLogStream", None), ("to-kinesis", "Random", "arn:aws:iam::%s:role/e2e" % ACCOUNT_A)]'
check_py cfg_dest_desc "describe-destinations returns the destination with its access policy" \
	'[(x["destinationName"], ACCOUNT_B in x["accessPolicy"]) for x in d["destinations"]]' '[("e2e-dest", True)]'
check_py cfg_dest_b "account B sees none of account A's destinations" 'd["destinations"]' '[]'

spawn cfg_mf_del lp delete-metric-filter --log-group-name "$CG" --filter-name errors
spawn cfg_sf_del lp delete-subscription-filter --log-group-name "$CG" --filter-name to-kinesis
join
check_ok cfg_mf_del "delete-metric-filter"
check_ok cfg_sf_del "delete-subscription-filter"
step cfg_dest_del lp delete-destination --destination-name e2e-dest
check_ok cfg_dest_del "delete-destination"
step cfg_group_del lp delete-log-group --log-group-name "$CG"
check_ok cfg_group_del "delete-log-group with filters attached"
step cfg_group_new lp create-log-group --log-group-name "$CG"
spawn cfg_mf_gone lp describe-metric-filters --log-group-name "$CG"
spawn cfg_sf_gone lp describe-subscription-filters --log-group-name "$CG"
spawn cfg_dest_gone lp describe-destinations
join
check_py cfg_mf_gone "a deleted group's metric filters are gone (recreated group has none)" 'd["metricFilters"]' '[]'
check_py cfg_sf_gone "a deleted group's subscription filters are gone" 'd["subscriptionFilters"]' '[]'
check_py cfg_dest_gone "the deleted destination is gone" 'd["destinations"]' '[]'

# --- end of configuration resources -------------------------------------------

# --- Logs Insights and query definitions --------------------------------------
# (issue 4: start-query / get-query-results; issue 5: query definitions.)

echo "# Logs Insights, query definitions (t=${SECONDS}s)"
QG=/e2e/insights
step ins_group lp create-log-group --log-group-name "$QG"
step ins_stream lp create-log-stream --log-group-name "$QG" --log-stream-name app
check_ok ins_stream "create a group and stream for Insights"
now_ms=$(($(date +%s) * 1000))
"$PY" - "$now_ms" >"$tmp/ins-events.json" <<'PYEOF'
import json, sys
now = int(sys.argv[1])
rows = [("ERROR", "pay", 120), ("INFO", "pay", 20), ("ERROR", "cart", 300)]
print(json.dumps([{"timestamp": now - 3000 + 1000 * i, "message": json.dumps({"level": l, "service": s, "ms": ms})}
                  for i, (l, s, ms) in enumerate(rows)]))
PYEOF
step ins_put lp put-log-events --log-group-name "$QG" --log-stream-name app --log-events "file://$tmp/ins-events.json"
check_ok ins_put "put-log-events with JSON messages"
step ins_start lp start-query --log-group-name "$QG" --start-time $(($(date +%s) - 600)) --end-time $(($(date +%s) + 60)) \
	--query-string 'filter level = "ERROR" | stats count(*) as errors, max(ms) as worst by service | sort service'
check_py ins_start "start-query returns a query id" 'bool(re.fullmatch(r"[0-9a-f-]{36}", d["queryId"]))' 'True'
qid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queryId"])' "$res/ins_start.out" 2>/dev/null || true)
for _ in $(seq 1 50); do
	step ins_results lp get-query-results --query-id "$qid"
	grep -q '"status": "Complete"' "$res/ins_results.out" 2>/dev/null && break
	sleep 0.2
done
check_py ins_results "get-query-results: stats by service, sorted" \
	'[{f["field"]: f["value"] for f in row} for row in d["results"]]' \
	'[{"service": "cart", "errors": "1", "worst": "300"}, {"service": "pay", "errors": "1", "worst": "120"}]'
check_py ins_results "get-query-results reports statistics and Complete" 'd["status"], d["statistics"]["recordsScanned"]' '("Complete", 3.0)'
step ins_bad lp start-query --log-group-name "$QG" --start-time 0 --end-time 1 --query-string 'stats count(*) by'
check_error ins_bad MalformedQueryException "start-query with a syntax error fails with MalformedQueryException"
step qd_put lp put-query-definition --name e2e/errors --query-string 'filter level = "ERROR"' --log-group-names "$QG"
check_py qd_put "put-query-definition returns an id" 'len(d["queryDefinitionId"]) > 0' 'True'
qdid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queryDefinitionId"])' "$res/qd_put.out" 2>/dev/null || true)
step qd_desc lp describe-query-definitions --query-definition-name-prefix e2e/
check_py qd_desc "describe-query-definitions finds it by prefix" '[(q["name"], q["queryString"], q["logGroupNames"]) for q in d["queryDefinitions"]]' '[("e2e/errors", "filter level = \"ERROR\"", ["/e2e/insights"])]'
step qd_del lp delete-query-definition --query-definition-id "$qdid"
check_py qd_del "delete-query-definition" 'd["success"]' 'True'
step qd_gone lp describe-query-definitions --query-definition-name-prefix e2e/
check_py qd_gone "the deleted query definition is gone" 'd["queryDefinitions"]' '[]'

# --- end of Logs Insights ------------------------------------------------------

# --- live tail ----------------------------------------------------------------
# Debian's AWS CLI 2.9 predates StartLiveTail (and cannot print an event stream
# of an operation it loads from a newer model), so this drives the operation
# through the CLI's own botocore with the current service model from shared/,
# with host prefix injection off (Config(inject_host_prefix=False)). It checks
# what `aws logs start-live-tail` would show: sessionStart, then sessionUpdate
# frames carrying the events that match the filter pattern.
LG=/e2e/live
model=$root/../shared/reference/cloudwatch-logs-api/service-2.json
if [[ -f $model ]]; then
	mkdir -p "$tmp/live-models/logs/2014-03-28"
	cp "$model" "$tmp/live-models/logs/2014-03-28/service-2.json"
	step live_group lp create-log-group --log-group-name "$LG"
	step live_stream lp create-log-stream --log-group-name "$LG" --log-stream-name web-1
	check_ok live_stream "live tail: group and stream created"
	cat >"$tmp/livetail.py" <<'PYEOF'
import json, sys, time
import awscli  # puts the CLI's bundled botocore on the import path
import botocore.session
from botocore.config import Config

endpoint, arn, pattern, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
client = botocore.session.get_session().create_client(
    "logs", endpoint_url=endpoint, config=Config(inject_host_prefix=False))
resp = client.start_live_tail(logGroupIdentifiers=[arn], logEventFilterPattern=pattern)
deadline = time.time() + seconds
for frame in resp["responseStream"]:
    print(json.dumps(frame, default=str), flush=True)
    if "sessionUpdate" in frame and any(e["message"] == "live ERROR two" for e in frame["sessionUpdate"]["sessionResults"]):
        break
    if time.time() > deadline:
        break
PYEOF
	# The interpreter that runs the CLI is the one that can import its botocore.
	cli_py=$(sed -n '1s/^#! *//p' "$(command -v "$AWS")")
	AWS_DATA_PATH=$tmp/live-models $cli_py "$tmp/livetail.py" "$ENDPOINT" \
		"arn:aws:logs:$REGION:$ACCOUNT_A:log-group:$LG" "ERROR" 20 >"$res/live_tail.out" 2>"$res/live_tail.err" &
	live_pid=$!
	for _ in $(seq 1 100); do
		grep -q sessionStart "$res/live_tail.out" 2>/dev/null && break
		sleep 0.1
	done
	now=$(($(date +%s) * 1000))
	step live_put lp put-log-events --log-group-name "$LG" --log-stream-name web-1 --log-events \
		"timestamp=$now,message=live ERROR one" "timestamp=$now,message=live info" "timestamp=$((now + 1)),message=live ERROR two"
	check_ok live_put "live tail: put-log-events while the session runs"
	rc=0
	wait "$live_pid" || rc=$?
	echo "$rc" >"$res/live_tail.rc"
	echo "python livetail.py (botocore from $AWS, current model)" >"$res/live_tail.cmd"
	check_py live_tail "live tail: sessionStart names the group and the filter pattern" \
		'[(f["sessionStart"]["logGroupIdentifiers"], f["sessionStart"]["logEventFilterPattern"]) for f in map(json.loads, lines) if "sessionStart" in f]' \
		'[(["arn:aws:logs:us-east-1:123456789012:log-group:/e2e/live"], "ERROR")]'
	check_py live_tail "live tail: sessionUpdate carries the matching events only, in order" \
		'[e["message"] for f in map(json.loads, lines) if "sessionUpdate" in f for e in f["sessionUpdate"]["sessionResults"]]' \
		'["live ERROR one", "live ERROR two"]'
else
	fail "live tail: the service model $model is missing"
fi

if grep -h 'level=ERROR' "$tmp"/server*.log >"$tmp/server-errors.log"; then
	fail "the server logged no errors" "$(head -n 20 "$tmp/server-errors.log")"
else
	pass "the server logged no errors"
fi

echo "# total ${SECONDS}s"
summary
((FAIL == 0))
