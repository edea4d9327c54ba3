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
echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
[ "$rc" = "0" ] && [ "${f:-0}" = "0" ]
