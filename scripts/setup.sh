#!/usr/bin/env bash
# vcbridge set-up: everything `npm test` and `npm run demo` need on a fresh Debian 12 machine.
# Idempotent: each step checks before it acts, so a second run takes seconds.
#   1. Debian packages (build deps of the mediasoup worker, real SIP peers, browser, tools)
#   2. the mediasoup worker: prebuilt if mediasoup's own install yields one, otherwise built from
#      the npm tarball's sources against Debian's libraries, cached outside the clone by version
#   3. npm ci with MEDIASOUP_WORKER_BIN set (mediasoup's postinstall then downloads nothing)
set -euo pipefail
cd "$(dirname "$0")/.."

MS_VERSION="$(node -p "require('./package.json').dependencies.mediasoup")"
CACHE="${VCBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vcbridge}"
MS_DIR="$CACHE/mediasoup-worker/$MS_VERSION"
WORKER_BIN="$MS_DIR/mediasoup-worker"
RECIPE="vcbridge-offline-1"   # bump when the stubs or patches below change
# The offline recipe (scripts/mediasoup-stubs.sh, scripts/mediasoup-offline/) was written against
# these sources; another version's meson.build may want other wraps or variable names.
RECIPE_MS_VERSIONS="3.19.3"
LOG="$CACHE/setup.log"        # apt, npm and meson output: kept, its tail shown on failure
WORK=""                       # the build's temp folder, removed however the script ends
log() { printf '\n[setup] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

mkdir -p "$CACHE"
: >"$LOG"
on_exit() {
  local rc=$?
  [ -z "$WORK" ] || rm -rf "$WORK"
  if [ "$rc" -ne 0 ]; then
    printf '\n[setup] failed (exit %s); last lines of %s:\n' "$rc" "$LOG" >&2
    tail -n 40 "$LOG" >&2 || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Run a noisy step with its output in the log only.
quiet() { printf '\n$ %s\n' "$*" >>"$LOG"; "$@" >>"$LOG" 2>&1; }

APT_PKGS=(build-essential pkg-config ninja-build python3 ca-certificates
  libssl-dev libuv1-dev libsrtp2-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler libusrsctp-dev
  baresip-core baresip-ffmpeg linphone-cli sip-tester sipsak kamailio
  ffmpeg sox tmux chromium libspandsp2 libsrtp2-1 iproute2 procps
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-gi fontconfig fonts-wqy-zenhei tesseract-ocr tesseract-ocr-chi-sim)

meson_ok() { command -v meson >/dev/null 2>&1 && dpkg --compare-versions "$(meson --version)" ge 1.1.0; }

apt_step() {
  local missing=()
  for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ] && meson_ok; then log "Debian packages present"; return; fi
  # mediasoup's meson.build wants meson >= 1.1; bookworm ships 1.0.1, its backports a newer one.
  if ! meson_ok && grep -q 'VERSION_CODENAME=bookworm' /etc/os-release &&
     ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    local uri
    uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
    [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
    [ -n "$uri" ] || { echo "setup: cannot find this machine's Debian mirror to add bookworm-backports" >&2; exit 1; }
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" |
      $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
  fi
  log "installing Debian packages: ${missing[*]:-} (meson)"
  quiet $SUDO apt-get update -qq
  quiet $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PKGS[@]}"
  if ! meson_ok; then
    quiet $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports meson
  fi
  meson_ok || { echo "setup: meson >= 1.1 is required" >&2; exit 1; }
  # kamailio's package may start a system instance on 5060; tests run their own.
  (command -v service >/dev/null && $SUDO service kamailio stop >/dev/null 2>&1) || true
}

recipe_fits() { local v; for v in $RECIPE_MS_VERSIONS; do [ "$v" = "$1" ] && return 0; done; return 1; }

worker_ok() { [ -x "$1" ] || return 1; local rc=0; env -i "$1" >/dev/null 2>&1 || rc=$?; [ "$rc" -eq 41 ]; }

worker_step() {
  if worker_ok "$WORKER_BIN" && [ "$(cat "$MS_DIR/.recipe" 2>/dev/null)" = "$RECIPE" ]; then
    log "mediasoup worker $MS_VERSION cached at $WORKER_BIN"; return
  fi
  WORK="$(mktemp -d "${TMPDIR:-/var/tmp}/vcbridge-ms-XXXXXX")"
  local work="$WORK"
  log "trying mediasoup's own prebuilt worker for $MS_VERSION"
  if (cd "$work" && quiet npm init -y && quiet npm install --no-audit --no-fund "mediasoup@$MS_VERSION") &&
     worker_ok "$work/node_modules/mediasoup/worker/out/Release/mediasoup-worker"; then
    mkdir -p "$MS_DIR"; install -m 0755 "$work/node_modules/mediasoup/worker/out/Release/mediasoup-worker" "$WORKER_BIN"
  else
    recipe_fits "$MS_VERSION" || {
      echo "setup: no prebuilt mediasoup worker for $MS_VERSION, and the offline build recipe was written for mediasoup $RECIPE_MS_VERSIONS only;" \
        "check scripts/mediasoup-stubs.sh against $MS_VERSION's worker/meson.build, then add it to RECIPE_MS_VERSIONS" >&2
      exit 1
    }
    log "no prebuilt worker here; building $MS_VERSION from the npm tarball with Debian's libraries (~8 min, log: $LOG)"
    rm -rf "${work:?}"/*
    (cd "$work" && quiet npm pack "mediasoup@$MS_VERSION" && tar xzf "mediasoup-$MS_VERSION.tgz")
    quiet bash scripts/mediasoup-stubs.sh "$work/package/worker"
    (cd "$work/package/worker" &&
      quiet meson setup --wrap-mode=nodownload --buildtype release -Db_ndebug=true -Dms_disable_liburing=true out/build &&
      quiet meson compile -C out/build flatbuffers-generator &&
      quiet meson compile -C out/build -j "$(nproc)" mediasoup-worker)
    mkdir -p "$MS_DIR"; install -m 0755 "$work/package/worker/out/build/mediasoup-worker" "$WORKER_BIN"
  fi
  rm -rf "$WORK"; WORK=""
  worker_ok "$WORKER_BIN" || { echo "setup: the mediasoup worker at $WORKER_BIN does not run" >&2; exit 1; }
  echo "$RECIPE" >"$MS_DIR/.recipe"
  log "mediasoup worker ready: $WORKER_BIN"
}

# What node_modules was installed from: the lock file and the patches patch-package applies at
# npm ci (a changed patch must be re-applied, and only a fresh npm ci undoes the old one).
install_hash() {
  { sha1sum package-lock.json; find patches -type f -print0 2>/dev/null | sort -z | xargs -0r sha1sum; } | sha1sum | cut -c1-40
}

npm_step() {
  local stamp="node_modules/.vcbridge-installed" want
  want="$(install_hash)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "node_modules up to date"
  else
    log "npm ci (log: $LOG)"
    MEDIASOUP_WORKER_BIN="$WORKER_BIN" quiet npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
  # mediasoup looks here when MEDIASOUP_WORKER_BIN is not set at run time.
  local dest="node_modules/mediasoup/worker/out/Release"
  if ! cmp -s "$WORKER_BIN" "$dest/mediasoup-worker" 2>/dev/null; then
    mkdir -p "$dest"; cp -f "$WORKER_BIN" "$dest/mediasoup-worker"
  fi
}

apt_step
worker_step
npm_step
log "ready"
