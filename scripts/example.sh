#!/usr/bin/env bash
# Runs the main job on the shipped tiny example (cache latents -> cache text -> train both experts),
# writing under out/example/. Installs ffmpeg when missing (as root on Debian).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/deps.sh
nw_need_dotnet
nw_need_ffmpeg
echo "The end-to-end example (examples/tiny: cache-latents, cache-text, train) lands with the 'main job end to end' issue."
echo "Until then this builds the CLI and inspects the golden DiT:"
dotnet build src/NativeWan.Cli/NativeWan.Cli.csproj -c Release -v q -nologo
dotnet run --no-build -c Release --project src/NativeWan.Cli -- inspect "${NATIVEWAN_GOLDEN_DIR:-../shared/golden}/dit_t2v.safetensors"
