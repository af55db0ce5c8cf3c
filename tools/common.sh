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
