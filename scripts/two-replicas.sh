#!/usr/bin/env bash
# Two Writer Assistant replicas in front of two model servers on this machine, as a team would run
# them on several (docs/deployment.md): each replica lists both model servers, in opposite orders,
# and a panel of four raters on one story is sent to the replicas in turn. Every generation must
# reach the same model server, chosen by both replicas alike without talking to each other.
# Needs the release build and llama-cpp-python's server: make release && scripts/setup.sh --model-server
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_PORT="${BASE_PORT:-8100}"
MODEL="${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}"
SERVER=.build/release/writer-assistant
CACHE_DIR="${WRITER_ASSISTANT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/writer-assistant}"
PEER_PYTHONPATH="$CACHE_DIR/llama-cpp-python-0.3.36:$CACHE_DIR/llama-cpp-server"

[ -x "$SERVER" ] || { echo "No release build: run make release" >&2; exit 2; }
[ -d "$CACHE_DIR/llama-cpp-server/uvicorn" ] || { echo "No model server: run scripts/setup.sh --model-server" >&2; exit 2; }

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Waits until GET $1 answers 200 and its body contains $2.
wait_for() {
    python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, needle = sys.argv[1], sys.argv[2]
for _ in range(600):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if needle in response.read().decode():
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(f"{url} did not become ready")
PY
}

model_servers=()
for i in 1 2; do
    port=$((BASE_PORT + i))
    PYTHONPATH="$PEER_PYTHONPATH" python3 -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$port" \
        --n_ctx 4096 --n_threads 1 --interrupt_requests False >/dev/null 2>&1 &
    pids+=($!)
    model_servers+=("http://127.0.0.1:$port/v1")
done
for url in "${model_servers[@]}"; do wait_for "$url/models" '"data"'; done
echo "model servers: ${model_servers[*]}"

replicas=()
for i in 1 2; do
    port=$((BASE_PORT + 10 + i))
    if [ "$i" = 1 ]; then order=("${model_servers[0]}" "${model_servers[1]}"); else order=("${model_servers[1]}" "${model_servers[0]}"); fi
    "$SERVER" serve --llm-url "${order[0]}" --llm-url "${order[1]}" --port "$port" \
        --temperature 0 --seed 1 --max-tokens 300 --log-level warning &
    pids+=($!)
    replicas+=("http://127.0.0.1:$port")
done
for url in "${replicas[@]}"; do wait_for "$url/health" '"llm_available":true'; done
echo "replicas: ${replicas[*]}"

python3 - "${replicas[@]}" <<'PY'
import json, sys, urllib.request

replicas = sys.argv[1:]
story = {
    "worldbuilding": {"content": "A fishing village on a northern coast, where the lighthouse has been dark for a year."},
    "characters": [{"name": "Mara", "basicBio": "The lighthouse keeper's daughter."},
                   {"name": "Ivo", "basicBio": "The harbour master, who profits from the dark light."}],
    "previousChapters": [{"number": 1, "title": "The dark light",
                          "content": "Mara climbs the tower at dusk and finds the lamp's wick cut clean through."}],
}
raters = ["You judge pacing.", "You judge dialogue.", "You judge the setting.", "You judge the characters."]

def call(url, body=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())

for number, rater in enumerate(raters):
    replica = replicas[number % len(replicas)]
    result = call(replica + "/api/v1/rater-feedback",
                  {"raterPrompt": rater, "plotPoint": "Mara confronts Ivo at the harbour.", "structured_context": story})
    print(f"rater {number + 1} via {replica}: {len(result['feedback']['suggestions'])} suggestions")

generations = {}
for replica in replicas:
    for server in call(replica + "/health").get("model_servers", []):
        generations[server["address"]] = generations.get(server["address"], 0) + server["generations"]
print("generations per model server, over both replicas:", generations)
if sorted(generations.values()) != [0, len(raters)]:
    sys.exit("the story's raters did not all reach one model server")
print("ok: both replicas sent every rater of the story to the same model server")
PY
