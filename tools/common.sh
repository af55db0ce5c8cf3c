# SPDX-License-Identifier: BSD-2-Clause
# Shared by the tools/ scripts: progress lines and one-line failures.

step() { printf '==> %s\n' "$*" >&2; }

# die SUMMARY [DETAILS...]: the one line that says what failed and why, then the details.
die() {
  printf 'error: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '       %s\n' "$line" >&2; done
  exit 1
}

# A short digest of the given files, to key a cache on what it was made from.
digest() { cat "$@" | sha256sum | cut -c1-16; }
