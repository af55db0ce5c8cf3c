# SPDX-License-Identifier: BSD-2-Clause
# Shared by the tools/ scripts: progress lines, one-line failures, cache keys, pinned checkouts.

# step MESSAGE: what a long job does next, said as it starts; step_done, when it is done, says how
# long it took, so that a slow first run names its slow step.
step() {
  printf '==> %s\n' "$*" >&2
  step_began=${EPOCHREALTIME/./}
}
step_done() {
  local took=$((${EPOCHREALTIME/./} - ${step_began:-${EPOCHREALTIME/./}}))
  printf '    done in %d.%d s\n' $((took / 1000000)) $((took / 100000 % 10)) >&2
}

# die SUMMARY [DETAILS...]: the one line that says what failed and why, then the details.
die() {
  printf 'error: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '       %s\n' "$line" >&2; done
  exit 1
}

# may_install: whether this run may install packages, as root or with password-less sudo, unless
# APT_INSTALL=no. Sets `sudo` to the command prefix that installs: () as root, (sudo -n), or
# (none) where it may not.
may_install() {
  sudo=(none)
  if [ "${APT_INSTALL:-yes}" != no ] && command -v apt-get >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then sudo=()
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); fi
  fi
  [ "${sudo[*]}" != none ]
}

# install_packages PACKAGE...: apt-get install, as may_install allowed. apt-get's hundreds of
# lines go to a log, shown when it fails.
install_packages() {
  local log=build/logs/system-packages.log last=()
  mkdir -p build/logs
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "$@"; } >"$log" 2>&1; then
    mapfile -t last < <(tail -n 20 "$log")
    die "apt-get could not install: $*" "Its last lines (the whole log: $log):" "${last[@]}"
  fi
}

# ensure_packages FOR [tools/system-packages OPTIONS...]: the packages of
# tools/system-packages.txt the options choose that this machine lacks, installed (FOR, such as
# `for aarch64`, says what for in the progress line), or, where this run may not install them,
# named with the line that does.
ensure_packages() {
  local what_for=$1 missing=() package
  shift
  while IFS= read -r package; do missing+=("$package"); done \
    < <(tools/system-packages "$@" --missing)
  [ ${#missing[@]} -gt 0 ] || return 0
  command -v apt-get >/dev/null || die "missing system packages: ${missing[*]}" \
    "This is not a Debian-like system (no apt-get): install the equivalents of those Debian packages."
  local from_security=()
  case " ${missing[*]}" in
    *" rustc-web"* | *" cargo-web"* | *" rust-web-"* | *" rustfmt-web"* | *" lld-"*)
      from_security=("(Debian's Rust 1.96 and LLVM 22 come from Debian 12's security updates," \
        "bookworm-security, which your apt sources must list.)") ;;
  esac
  may_install || die "missing system packages${what_for:+ $what_for}: ${missing[*]}" \
    "Install them, then run make again:  sudo apt-get update && sudo apt-get install ${missing[*]}" \
    "${from_security[@]}"
  step "Installing system packages${what_for:+ $what_for}: ${missing[*]}"
  install_packages "${missing[@]}"
  step_done
}

# A short digest of the given files, to key a cache on what it was made from.
digest() { cat "$@" | sha256sum | cut -c1-16; }

# checkout_pinned NAME URL COMMIT DIR [PREPARE]: makes DIR a shallow checkout of URL at COMMIT,
# unless it is one already. PREPARE, a command, runs in the new checkout before it is moved into
# place, so that an interrupted run leaves either the old DIR or a complete new one. One
# checkout at a time (the kernels of several architectures share one source).
checkout_pinned() {
  local name=$1 url=$2 commit=$3 dir=$4 prepare=${5:-} lock
  mkdir -p "$(dirname "$dir")"
  exec {lock}>"$dir.lock"
  flock "$lock"
  if [ "$(git -C "$dir" rev-parse -q --verify HEAD 2>/dev/null)" = "$commit" ]; then
    exec {lock}>&-
    return 0
  fi
  step "Fetching $name ($commit) from $url"
  rm -rf "$dir.tmp"
  git init -q "$dir.tmp"
  local err
  if ! err=$(git -C "$dir.tmp" fetch -q --depth 1 "$url" "$commit" 2>&1); then
    rm -rf "$dir.tmp"
    die "cannot fetch $name from $url: $(printf '%s' "$err" | tail -n 1)" \
      "If this machine cannot reach GitHub, point git at a local copy of the repository:" \
      "  git config --global url.file:///path/to/copy.insteadOf $url" \
      "(README, \"Offline machines\")."
  fi
  git -C "$dir.tmp" -c advice.detachedHead=false checkout -q FETCH_HEAD
  if [ -n "$prepare" ]; then (cd "$dir.tmp" && $prepare); fi
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  step_done
  exec {lock}>&-
}
