#!/usr/bin/env bash
# Installs the Debian packages the project needs beyond PyPI wheels.
#   run:  fonts for captions in many scripts (optional: captions fall back to a bundled Latin font)
#   test: the above plus Chromium for the browser tests (required)
set -euo pipefail
purpose=${1:-run}

want=(fonts-noto-core fonts-noto-cjk fonts-dejavu-core)
required=()
if [[ $purpose == test ]]; then
  want+=(chromium)
  required+=(chromium)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

can_install=true
if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  can_install=false
fi
command -v apt-get >/dev/null || can_install=false

if $can_install; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

for pkg in "${required[@]}"; do
  if [[ " ${missing[*]} " == *" $pkg "* ]]; then
    echo "Missing system package '$pkg'. Install it with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
done
echo "Note: optional system packages missing (${missing[*]}); captions in non-Latin scripts need them." >&2
echo "      Install with: sudo apt-get install ${missing[*]}" >&2
