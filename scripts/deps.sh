# Sourced by scripts/run, test, bench, fuzz: installs the Debian packages a
# script needs when any is missing. Only Debian packages, by name.
# Usage: need_packages pkg...
need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ -z "${SKYCORE_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq >/dev/null
    export SKYCORE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

BUILD_PACKAGES=(g++ cmake make libasio-dev libfmt-dev libtomlplusplus-dev libpoco-dev
                prometheus-cpp-dev doctest-dev libssl-dev libre2-dev libnghttp2-dev pkg-config)
TEST_PACKAGES=(python3 python3-dnspython python3-pytest knot-dnsutils dnsperf unbound openssl etcd-server
               python3-prometheus-client prometheus curl
               chromium chromium-driver python3-selenium  # tests/test_skydns_live_view.py: the page in a browser
               dpkg-dev lintian systemd man-db)  # tests/test_package.py: build, lint, verify the .deb

# Configures and builds into $1 (default build/) with the Release type.
build_skycore() {
  local dir="${1:-build}"
  cmake -S "$ROOT" -B "$ROOT/$dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$ROOT/$dir" -j"$(nproc)"
}
