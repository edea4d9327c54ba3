#!/usr/bin/env bash
# Installs what NativeWan needs on a fresh Debian machine: the .NET SDK must already be there;
# ffmpeg/ffprobe (media decoding) are installed with apt-get when missing and running as root.
# Sourced by scripts/test.sh and scripts/example.sh.
nw_need_ffmpeg() {
  if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ffmpeg (apt-get)..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null) \
      || { echo "error: apt-get install ffmpeg failed" >&2; return 1; }
  else
    echo "error: ffmpeg/ffprobe not found; install them (Debian/Ubuntu: sudo apt-get install ffmpeg)" >&2
    return 1
  fi
}
nw_need_dotnet() {
  command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET 10 SDK (dotnet) is required: https://dot.net" >&2; return 1; }
}
