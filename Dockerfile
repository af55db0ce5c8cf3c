# SPDX-License-Identifier: BSD-2-Clause
#
# The tutorial's container image: Debian 12 with the system packages of tools/system-packages.txt
# (the list tools/setup-host installs from on a Debian host), and nothing of the project. The
# checkout is mounted into the container (tools/container, .devcontainer/devcontainer.json), so
# the learner's files stay on their machine; everything else (rust-sel4, the kernels, the crates)
# is set up there by make, as on a Debian host. Built by `make` itself when a run needs it:
#   docker build -t sel4-mapping-tutorial .     (or podman build)
FROM debian:bookworm

# Debian's documentation, manual pages and translations: not needed in here.
RUN printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/info/*' \
      > /etc/dpkg/dpkg.cfg.d/excludes

COPY tools/system-packages tools/system-packages.txt /tmp/tutorial/
# The learner's packages for this image's architecture; a list that cannot be read (a checkout with
# Windows line endings) or a package that is not there after the install fails the build, loudly.
RUN set -eu; \
    if grep -q "$(printf '\r')" /tmp/tutorial/system-packages /tmp/tutorial/system-packages.txt; then \
      echo "error: tools/system-packages has Windows line endings (CRLF): check the project out with LF (.gitattributes)" >&2; \
      exit 1; \
    fi; \
    host=$(dpkg --print-architecture); \
    packages=$(sh /tmp/tutorial/system-packages --host "$host"); \
    [ -n "$packages" ] || { echo "error: the package list for $host is empty" >&2; exit 1; }; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages; \
    missing=$(sh /tmp/tutorial/system-packages --host "$host" --missing); \
    [ -z "$missing" ] || { echo "error: installed, yet missing: $missing" >&2; exit 1; }; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/tutorial; \
    # Of Rust's source, -Z build-std reads only the standard library's (library/: 69 of 434 MB).
    find /usr/src/rustc-*/ -mindepth 1 -maxdepth 1 ! -name library -exec rm -rf {} +; \
    # qemu-system-misc brings a dozen machines besides RISC-V; the tutorial boots five.
    find /usr/bin -name 'qemu-system-*' ! -name qemu-system-x86_64 ! -name qemu-system-aarch64 \
      ! -name qemu-system-arm ! -name qemu-system-riscv64 ! -name qemu-system-riscv32 -delete; \
    # gcc's link-time optimisers and LTO dump tools (200 MB), and its sanitizers' libraries
    # (50 MB): nothing here builds with -flto or -fsanitize (the kernels, OpenSBI and the C of
    # the crates' build scripts; tests/container.rs builds every kernel in the image).
    rm -f /usr/bin/*-lto-dump-* /usr/lib/gcc*/*/12/lto1 \
      /usr/lib/gcc*/*/12/lib[ahlt]san.a /usr/lib/gcc*/*/12/libubsan.a \
      /usr/lib/*-linux-gnu/lib[ahlt]san.so* /usr/lib/*-linux-gnu/libubsan.so*

# A user for the dev container (VS Code, Codespaces), whose id it matches to the host user's
# (updateRemoteUserUID). `make` on the host runs the container as the host user instead.
RUN useradd --create-home --uid 1000 --shell /bin/bash learner

# Tells tools/route that this is the tutorial's own image: make runs natively in here.
ENV MAPPING_TUTORIAL_IMAGE=1
