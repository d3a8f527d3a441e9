#!/usr/bin/env bash
# System packages the portal and its tests need: WeasyPrint's libraries and font subsetting,
# CJK fonts for Japanese PDFs, gettext for translations, Chromium for the browser tests, ab
# (apache2-utils) for the page benchmarks.
# Runs on every `make run` / `make test`: with everything present it only looks, and never calls
# apt-get (so a machine set up once runs both without a network). The checks read whole listings
# into variables: `listing | grep -q` under pipefail fails whenever grep's early exit kills the
# lister with SIGPIPE, and gave false "missing" answers.
set -euo pipefail
need=()
libs=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list : family 2>/dev/null || true)
has_lib() { [[ $libs == *"$1"* ]]; }
has_font() { [[ ${fonts,,} == *"${1,,}"* ]]; }
command -v msgfmt >/dev/null || need+=(gettext)
command -v fc-list >/dev/null || need+=(fontconfig)
has_lib libpango-1.0.so || need+=(libpango-1.0-0 libpangoft2-1.0-0)
has_lib libharfbuzz-subset.so || need+=(libharfbuzz-subset0)
has_font "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null || need+=(chromium)
fi
if [ "${1:-}" = "--with-bench" ]; then  # make bench: ab loads the pages (compiled, cheaper than the server)
  command -v ab >/dev/null || need+=(apache2-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Please install: ${need[*]} (needs root)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
