#!/usr/bin/env bash
# Runs every NativeWan test (CPU; GPU tests are skipped without a CUDA device) and ends with one line:
#   N passed, N failed, N skipped
# Golden data: NATIVEWAN_GOLDEN_DIR (default ../shared/golden).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/deps.sh
nw_need_dotnet || exit 1
nw_need_ffmpeg || echo "warning: media tests will fail without ffmpeg" >&2
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build NativeWan.sln -c Release -v q -nologo 2>&1 | grep -E "error|rror\(s\)" ; 
[ "${PIPESTATUS[0]}" = "0" ] || { echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
log="$(mktemp)"
dotnet test tests/NativeWan.Tests/NativeWan.Tests.csproj -c Release --no-build -v q -nologo \
  "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary="$(grep -E "(Passed|Failed)!? +- +Failed: " "$log" | tail -1)"
f=$(echo "$summary" | sed -nE 's/.*Failed: +([0-9]+).*/\1/p'); p=$(echo "$summary" | sed -nE 's/.*Passed: +([0-9]+).*/\1/p'); s=$(echo "$summary" | sed -nE 's/.*Skipped: +([0-9]+).*/\1/p')
rm -f "$log"
if [ -z "$summary" ]; then echo "test run did not finish"; echo "0 passed, 1 failed, 0 skipped"; exit 1; fi
p=${p:-0}; f=${f:-0}; s=${s:-0}

# The main job end to end, shortened: scripts/example.sh with a few training steps (counts as one test).
echo "== end-to-end: scripts/example.sh with NW_EXAMPLE_STEPS=6"
if NW_EXAMPLE_STEPS=6 bash scripts/example.sh > out-example-e2e.log 2>&1 \
   && ls out/example/lora/tiny_example_high_noise.safetensors out/example/lora/tiny_example_low_noise.safetensors >/dev/null; then
  echo "end-to-end example: passed"; p=$((p + 1)); rm -f out-example-e2e.log
else
  echo "end-to-end example: FAILED (last lines of its log:)"; tail -30 out-example-e2e.log; f=$((f + 1)); rc=1
fi

echo "$p passed, $f failed, $s skipped"
[ "$rc" = "0" ] && [ "$f" = "0" ]
