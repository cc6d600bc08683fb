#!/usr/bin/env bash
# End to end with real agent CLIs: Claude Code (`claude -p`) and Codex CLI (`codex exec`) against the gateway, each
# driven through one tool round trip (the model calls a tool, the CLI runs it in a throwaway directory, sends the
# result back, the model answers with text). By default both calls cross wires:
#   claude -p  --model sim-gpt     Anthropic Messages client  -> openai-chat upstream
#   codex exec -m sim-claude       OpenAI Responses client    -> anthropic-messages upstream
# Evidence per client: its own JSON output (a tool call, the tool result sent back for that call, a final answer)
# and, where the admin API is at hand, at least two completed requests metered on a key made for that client.
# Prints each client's transcript and one PASS/FAIL line per client; exits 1 when a client fails.
#
# The stack: started here (like AppHost/start.sh, with its own --state-dir) and stopped by PID at the end, unless
# GATEWAY_BASE_URL (e.g. http://127.0.0.1:5080/v1) names a running one; then keys are created through
# GATEWAY_ADMIN_URL + GATEWAY_ADMIN_TOKEN when given, else GATEWAY_KEY is used (and metering is not checked).
#
# Environment:
#   CLAUDE_MODEL (sim-gpt), CODEX_MODEL (sim-claude)    models the clients ask for
#   E2E_CLIENTS ("claude codex")                        which clients to run
#   E2E_TIMEOUT (240)                                   seconds each client may take
#   E2E_KEEP=1                                          keep the temp directory (raw client output, stack logs)
# The clients come from tests/e2e/package-lock.json (`npm ci` runs when node_modules lacks them).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi

CLAUDE_MODEL="${CLAUDE_MODEL:-sim-gpt}"
CODEX_MODEL="${CODEX_MODEL:-sim-claude}"
E2E_CLIENTS="${E2E_CLIENTS:-claude codex}"
E2E_TIMEOUT="${E2E_TIMEOUT:-240}"

# The simulator's directive [sim tool=NAME] makes the model call that tool; after the tool result it answers with
# text (services/Gateway.Simulator/README.md, Tools). Its arguments are words from a fixed list: Claude Code's Read
# looks for a file that does not exist in the throwaway directory (Read rather than Bash: the simulator may set
# Bash's run_in_background, and a background task's notification starts another turn with other tools), and Codex's
# exec_command runs a harmless unknown command there under a read-only sandbox.
# By default the directive also gives the call's arguments ([sim ... args={...}]), so the tool does real work in the
# throwaway project directory: Claude Code's Read opens notes.txt, Codex's exec_command runs `cat notes.txt`, and
# the marker written into that file must come back in the tool result.
MARKER="gateway-e2e-marker-$RANDOM$RANDOM"
CLAUDE_PROMPT_GIVEN="${CLAUDE_PROMPT:-}"
CODEX_PROMPT_GIVEN="${CODEX_PROMPT:-}"

for tool in jq curl node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "clients.sh: $tool is required" >&2; exit 2; }
done

work="$(mktemp -d /tmp/gateway-e2e.XXXXXX)"
# Codex refuses to put its sandbox helper (codex-linux-sandbox) under a CODEX_HOME in /tmp, and without it the
# read-only sandbox cannot run any command; so its home is a throwaway directory under tests/e2e/.run (gitignored).
mkdir -p "$here/.run"
codex_home="$(mktemp -d "$here/.run/codex-home.XXXXXX")"
apphost_pid=""

stop_stack() {
  [ -n "$apphost_pid" ] || return 0
  if kill -0 "$apphost_pid" 2>/dev/null; then
    echo "clients.sh: stopping the stack (pid $apphost_pid)" >&2
    kill -TERM "$apphost_pid" 2>/dev/null || true
    for _ in $(seq 1 120); do
      kill -0 "$apphost_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$apphost_pid" 2>/dev/null; then
      echo "clients.sh: the stack did not stop within 60 s; killing pid $apphost_pid" >&2
      kill -KILL "$apphost_pid" 2>/dev/null || true
    fi
    wait "$apphost_pid" 2>/dev/null || true
  fi
  apphost_pid=""
}

cleanup() {
  local rc=$?
  stop_stack
  if [ "${E2E_KEEP:-0}" = "1" ]; then
    echo "clients.sh: kept $work and $codex_home" >&2
  else
    rm -rf "$work" "$codex_home"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the clients -------------------------------------------------------------------------------------------------
if [ ! -x "$here/node_modules/.bin/claude" ] || [ ! -x "$here/node_modules/.bin/codex" ]; then
  echo "clients.sh: installing the pinned clients (npm ci in tests/e2e)" >&2
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
claude_bin="$here/node_modules/.bin/claude"
codex_bin="$here/node_modules/.bin/codex"

# --- the stack ---------------------------------------------------------------------------------------------------
base_url=""
api_key=""
admin_url=""
admin_token=""
log_dir=""
if [ -n "${GATEWAY_BASE_URL:-}" ]; then
  base_url="${GATEWAY_BASE_URL%/}"
  api_key="${GATEWAY_KEY:-}"
  admin_url="${GATEWAY_ADMIN_URL:-}"
  admin_token="${GATEWAY_ADMIN_TOKEN:-}"
  if [ -z "$api_key" ] && { [ -z "$admin_url" ] || [ -z "$admin_token" ]; }; then
    echo "clients.sh: GATEWAY_BASE_URL needs GATEWAY_KEY, or GATEWAY_ADMIN_URL and GATEWAY_ADMIN_TOKEN to create keys" >&2
    exit 2
  fi
  echo "clients.sh: using the running gateway at $base_url" >&2
else
  echo "clients.sh: starting the stack (dotnet run --project AppHost, state in $work/stack; the first build takes minutes)" >&2
  (cd "$repo" && exec dotnet run --project AppHost -c Release -- --state-dir "$work/stack") >"$work/apphost.log" 2>&1 &
  apphost_pid=$!
  deadline=$((SECONDS + ${E2E_STACK_TIMEOUT:-900}))
  until grep -q "The gateway is running." "$work/apphost.log" 2>/dev/null && grep -q "Logs:" "$work/apphost.log"; do
    if ! kill -0 "$apphost_pid" 2>/dev/null; then
      echo "clients.sh: the stack exited before it was ready; its last lines:" >&2
      tail -n 40 "$work/apphost.log" >&2
      apphost_pid=""
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "clients.sh: the stack was not ready in time; its last lines:" >&2
      tail -n 40 "$work/apphost.log" >&2
      exit 1
    fi
    sleep 1
  done
  base_url="$(sed -n 's/^ *Base URL *\(http[^ ]*\).*/\1/p' "$work/apphost.log" | head -n 1)"
  api_key="$(sed -n 's/^ *Demo key *\([^ ]*\).*/\1/p' "$work/apphost.log" | head -n 1)"
  admin_url="$(sed -n 's/^ *Admin URL *\(http[^ ]*\).*/\1/p' "$work/apphost.log" | head -n 1)"
  admin_token="$(sed -n 's/^ *Admin token *\([^ ]*\).*/\1/p' "$work/apphost.log" | head -n 1)"
  log_dir="$(sed -n 's/^ *Logs: *//p' "$work/apphost.log" | head -n 1)"
  echo "clients.sh: the gateway is running at $base_url (logs: $log_dir)" >&2
fi
if [ -z "$base_url" ] || { [ -z "$admin_token" ] && { [ -z "$api_key" ] || [ "$api_key" = "(not" ]; }; }; then
  echo "clients.sh: no base URL, or neither a key nor the admin API" >&2
  exit 1
fi
root_url="${base_url%/v1}"

# With the admin API at hand each client gets a key of its own, and the gateway's metering of that key is evidence
# of its own: a tool round trip is at least two completed model calls (the call, then the answer to its result).
client_key=""
client_key_id=""
new_client_key() {
  client_key="$api_key"
  client_key_id=""
  [ -n "$admin_url" ] && [ -n "$admin_token" ] || return 0
  local created
  created="$(curl -fsS -X POST "${admin_url%/}/admin/keys" \
    -H "Authorization: Bearer $admin_token" -H "Content-Type: application/json" \
    -d "{\"tenantId\":\"e2e\",\"name\":\"$1\"}")"
  client_key="$(jq -r '.apiKey' <<<"$created")"
  client_key_id="$(jq -r '.key.keyId' <<<"$created")"
}

# Prints "requests completed" metered for the client's key once at least two requests arrived (usage travels
# through RabbitMQ and Metering), or whatever was there after 30 s; "n/a" without the admin API.
metered() {
  if [ -z "$client_key_id" ]; then
    echo "n/a"
    return 0
  fi
  local usage="" requests=0
  for _ in $(seq 1 60); do
    usage="$(curl -fsS "${admin_url%/}/admin/keys/$client_key_id/usage" -H "Authorization: Bearer $admin_token" 2>/dev/null || true)"
    [ -n "$usage" ] || usage='{}'
    requests="$(jq -r '.requests // 0' <<<"$usage" 2>/dev/null || echo 0)"
    [ "${requests:-0}" -ge 2 ] && break
    sleep 0.5
  done
  jq -r '"\(.requests // 0) \(.completed // 0)"' <<<"$usage" 2>/dev/null || echo "0 0"
}

# PASS needs the client's own evidence and, when metering can be read, at least two completed requests on its key.
metering_ok() {
  [ "$1" = "n/a" ] && return 0
  local completed="${1#* }"
  [ "${completed:-0}" -ge 2 ]
}

failures=0
results=()

# --- Claude Code ---------------------------------------------------------------------------------------------------
run_claude() {
  local dir="$work/claude"
  mkdir -p "$dir/home" "$dir/project"
  echo "$MARKER" >"$dir/project/notes.txt"
  CLAUDE_PROMPT="$CLAUDE_PROMPT_GIVEN"
  if [ -z "$CLAUDE_PROMPT" ]; then
    CLAUDE_PROMPT='read the notes file [sim tool=Read args={"file_path":"'"$dir/project/notes.txt"'"}]'
  fi
  new_client_key claude-code
  echo
  echo "=== Claude Code $("$claude_bin" --version 2>/dev/null | head -n 1): claude -p \"$CLAUDE_PROMPT\" --model $CLAUDE_MODEL"
  local rc=0
  (
    cd "$dir/project"
    env -u ANTHROPIC_AUTH_TOKEN -u OPENAI_API_KEY \
      HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/.config" \
      ANTHROPIC_BASE_URL="$root_url" ANTHROPIC_API_KEY="$client_key" \
      DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
      timeout "$E2E_TIMEOUT" "$claude_bin" -p "$CLAUDE_PROMPT" --model "$CLAUDE_MODEL" \
        --output-format stream-json --verbose --max-turns 3 --allowedTools Read \
        </dev/null >"$dir/out.jsonl" 2>"$dir/err.log"
  ) || rc=$?

  # The transcript, one line per message (thinking, tool calls, tool results, text, the result).
  jq -r '
    def clip: tostring | gsub("\n"; " ") | if length > 160 then .[0:160] + "…" else . end;
    if .type == "assistant" then
      .message.content[]? |
        if .type == "text" then "  assistant text: " + (.text | clip)
        elif .type == "tool_use" then "  assistant tool_use " + .name + " " + (.input | tojson | clip) + " (id " + .id + ")"
        elif .type == "thinking" then "  assistant thinking: " + (.thinking | clip)
        else "  assistant " + .type end
    elif .type == "user" then
      .message.content[]? | select(type == "object") |
        if .type == "tool_result" then "  user tool_result for " + .tool_use_id + (if .is_error then " (error)" else "" end) + ": " + (.content | clip)
        else "  user " + .type end
    elif .type == "result" then "  result: " + .subtype + ", is_error " + (.is_error | tostring) + ", turns " + (.num_turns | tostring) + ": " + ((.result // "") | clip)
    elif .type == "system" and .subtype == "init" then "  system init, model " + (.model // "?") + ", " + ((.tools // []) | length | tostring) + " tools"
    else empty end' "$dir/out.jsonl" 2>/dev/null || cat "$dir/out.jsonl"
  if [ -s "$dir/err.log" ]; then
    echo "  (stderr, last lines)"
    tail -n 15 "$dir/err.log" | sed 's/^/    /'
  fi

  # Evidence of the round trip: a tool_use, a tool_result for that very id sent back, then a successful result.
  local tool_id result_ok answered
  tool_id="$(jq -r 'select(.type == "assistant") | .message.content[]? | select(.type == "tool_use") | .id' "$dir/out.jsonl" 2>/dev/null | head -n 1)"
  result_ok="$(jq -r 'select(.type == "result") | select(.subtype == "success" and .is_error == false) | "yes"' "$dir/out.jsonl" 2>/dev/null | tail -n 1)"
  answered=""
  if [ -n "$tool_id" ]; then
    answered="$(jq -r --arg id "$tool_id" 'select(.type == "user") | .message.content[]? | select(type == "object" and .type == "tool_result" and .tool_use_id == $id) | "yes"' "$dir/out.jsonl" 2>/dev/null | head -n 1)"
  fi
  local usage
  usage="$(metered)"
  echo "  gateway metering for this client's key (requests completed): $usage"
  # With the default prompt the tool did real work: the file's marker is in the tool result.
  local marker_ok="yes"
  if [ -z "$CLAUDE_PROMPT_GIVEN" ]; then
    marker_ok="$(jq -r --arg m "$MARKER" 'select(.type == "user") | .message.content[]? | select(type == "object" and .type == "tool_result" and (.is_error | not)) | select(.content | tostring | contains($m)) | "yes"' "$dir/out.jsonl" 2>/dev/null | head -n 1)"
  fi
  if [ "$rc" -eq 0 ] && [ -n "$tool_id" ] && [ "$answered" = "yes" ] && [ "$marker_ok" = "yes" ] && [ "$result_ok" = "yes" ] && metering_ok "$usage"; then
    results+=("PASS claude-code --model $CLAUDE_MODEL: tool_use $tool_id, its tool_result sent back$([ -z "$CLAUDE_PROMPT_GIVEN" ] && echo " with the file's content"), final answer (result success); metered: $usage")
  else
    results+=("FAIL claude-code --model $CLAUDE_MODEL: exit $rc, tool_use '${tool_id:-none}', tool_result sent back '${answered:-no}', file content in it '${marker_ok:-no}', result success '${result_ok:-no}', metered (requests completed) '$usage'")
    failures=$((failures + 1))
  fi
}

# --- Codex CLI -----------------------------------------------------------------------------------------------------
run_codex() {
  local dir="$work/codex"
  mkdir -p "$dir/home" "$dir/project"
  echo "$MARKER" >"$dir/project/notes.txt"
  CODEX_PROMPT="$CODEX_PROMPT_GIVEN"
  if [ -z "$CODEX_PROMPT" ]; then
    CODEX_PROMPT='show the notes [sim tool=exec_command args={"cmd":"cat\u0020notes.txt"}]'
  fi
  new_client_key codex
  cat >"$codex_home/config.toml" <<EOF
model = "$CODEX_MODEL"
model_provider = "gateway"
approval_policy = "never"
sandbox_mode = "read-only"

[model_providers.gateway]
name = "LLM gateway"
base_url = "$base_url"
env_key = "GATEWAY_E2E_API_KEY"
wire_api = "responses"
EOF
  echo
  echo "=== Codex CLI $("$codex_bin" --version 2>/dev/null | head -n 1): codex exec \"$CODEX_PROMPT\" (model $CODEX_MODEL, wire_api responses)"
  local rc=0
  (
    cd "$dir/project"
    env -u OPENAI_API_KEY -u OPENAI_BASE_URL \
      HOME="$dir/home" CODEX_HOME="$codex_home" GATEWAY_E2E_API_KEY="$client_key" \
      timeout "$E2E_TIMEOUT" "$codex_bin" exec --json --skip-git-repo-check "$CODEX_PROMPT" \
        </dev/null >"$dir/out.jsonl" 2>"$dir/err.log"
  ) || rc=$?

  jq -r '
    def clip: tostring | gsub("\n"; " ") | if length > 160 then .[0:160] + "…" else . end;
    if .type == "item.completed" then
      .item |
        if .type == "command_execution" then "  command_execution " + (.command | clip) + " -> exit " + ((.exit_code // "?") | tostring) + ", " + (.status // "") + ": " + ((.aggregated_output // "") | clip)
        elif .type == "agent_message" then "  agent_message: " + (.text | clip)
        elif .type == "reasoning" then "  reasoning: " + ((.text // "") | clip)
        else "  " + .type + ": " + (tojson | clip) end
    elif .type == "turn.completed" then "  turn.completed usage " + (.usage | tojson)
    elif .type == "turn.failed" then "  turn.failed: " + (.error | tojson | clip)
    elif .type == "error" then "  error: " + ((.message // tojson) | clip)
    elif .type == "thread.started" or .type == "turn.started" then "  " + .type
    else empty end' "$dir/out.jsonl" 2>/dev/null || cat "$dir/out.jsonl"
  if [ -s "$dir/err.log" ]; then
    echo "  (stderr, last lines)"
    tail -n 15 "$dir/err.log" | sed 's/^/    /'
  fi

  # Evidence of the round trip: a tool call executed (its output goes back as function_call_output), then an
  # agent message after it, and the turn completed (Codex fails the turn when response.completed never comes).
  local tool_line message_line completed
  tool_line="$(jq -r 'select(.type == "item.completed") | select(.item.type != "agent_message" and .item.type != "reasoning" and .item.type != "error") | input_line_number' "$dir/out.jsonl" 2>/dev/null | head -n 1)"
  message_line="$(jq -r 'select(.type == "item.completed" and .item.type == "agent_message") | input_line_number' "$dir/out.jsonl" 2>/dev/null | tail -n 1)"
  completed="$(jq -r 'select(.type == "turn.completed") | "yes"' "$dir/out.jsonl" 2>/dev/null | tail -n 1)"
  local usage
  usage="$(metered)"
  echo "  gateway metering for this client's key (requests completed): $usage"
  # With the default prompt the command did real work: the file's marker is in its output.
  local marker_ok="yes"
  if [ -z "$CODEX_PROMPT_GIVEN" ]; then
    marker_ok="$(jq -r --arg m "$MARKER" 'select(.type == "item.completed" and .item.type == "command_execution") | select((.item.aggregated_output // "") | contains($m)) | "yes"' "$dir/out.jsonl" 2>/dev/null | head -n 1)"
  fi
  if [ "$rc" -eq 0 ] && [ -n "$tool_line" ] && [ "$marker_ok" = "yes" ] && [ -n "$message_line" ] && [ "$message_line" -gt "$tool_line" ] && [ "$completed" = "yes" ] && metering_ok "$usage"; then
    results+=("PASS codex --model $CODEX_MODEL: tool call executed$([ -z "$CODEX_PROMPT_GIVEN" ] && echo " (its output holds the file's content)"), its output sent back, agent message after it, turn completed; metered: $usage")
  else
    results+=("FAIL codex --model $CODEX_MODEL: exit $rc, tool item '${tool_line:-none}', file content in its output '${marker_ok:-no}', agent message after it '${message_line:-none}', turn completed '${completed:-no}', metered (requests completed) '$usage'")
    failures=$((failures + 1))
  fi
}

for client in $E2E_CLIENTS; do
  case "$client" in
    claude) run_claude ;;
    codex) run_codex ;;
    *) echo "clients.sh: unknown client '$client' (claude, codex)" >&2; exit 2 ;;
  esac
done

echo
for line in "${results[@]}"; do
  echo "$line"
done
[ "$failures" -eq 0 ]
