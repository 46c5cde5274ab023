#!/usr/bin/env bash
# kotocast's two entry points on a fresh Debian/Ubuntu machine (Python 3.11+):
#   ./dev.sh demo   install what is missing, build the demo show, publish it to demo/public/
#   ./dev.sh test   install what is missing (incl. test tools), run the whole test suite (pytest)
# System packages come from apt (sudo is used when not root); Python packages go into .venv/.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-}"
case "$mode" in
  demo|test) shift ;;
  *) echo "usage: ./dev.sh demo [DIR] | ./dev.sh test [PYTEST ARGS...]" >&2; exit 2 ;;
esac

python=${PYTHON:-python3}
apt_packages=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || apt_packages+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || apt_packages+=(espeak-ng)
"$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_packages+=(python3-venv)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
  command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "dev.sh: installing ${apt_packages[*]} (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${apt_packages[@]}" >/dev/null
fi

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "dev.sh: kotocast needs Python 3.11 or newer ($python is $("$python" --version))" >&2; exit 1; }

# kotocast lives in its own virtual environment: PyPI has unrelated 'media', 'pipeline' and
# 'episodes' distributions, and pip does not detect file clashes in a shared environment.
stamp=.venv/.kotocast-installed
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi

if [ "$mode" = demo ]; then
  exec .venv/bin/kotocast demo "${1:-demo}"
fi

# npm packages the tests run (the Podcast Index parsers, axe-core), one folder each.
for lock in tests/*/node/package-lock.json; do
  [ -f "$lock" ] || continue
  (cd "$(dirname "$lock")" && npm ci --silent --no-audit --no-fund >/dev/null)
done
exec .venv/bin/python -m pytest "$@"
