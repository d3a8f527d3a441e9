#!/usr/bin/env bash
# System packages the portal and its tests need: WeasyPrint's libraries and font subsetting,
# CJK fonts for Japanese PDFs, gettext for translations, Chromium for the browser tests.
set -euo pipefail
need=()
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
command -v msgfmt >/dev/null || need+=(gettext)
command -v fc-list >/dev/null || need+=(fontconfig)
has_lib libpango-1.0.so || need+=(libpango-1.0-0 libpangoft2-1.0-0)
has_lib libharfbuzz-subset.so || need+=(libharfbuzz-subset0)
{ command -v fc-list >/dev/null && fc-list | grep -qi "Noto Sans CJK"; } || need+=(fonts-noto-cjk)
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Please install: ${need[*]} (needs root)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
