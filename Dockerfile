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
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       $(/tmp/tutorial/system-packages --host "$(dpkg --print-architecture)") \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/tutorial \
    # Of Rust's source, -Z build-std reads only the standard library's (library/: 69 of 434 MB).
    && find /usr/src/rustc-*/ -mindepth 1 -maxdepth 1 ! -name library -exec rm -rf {} + \
    # qemu-system-misc brings a dozen machines besides RISC-V; the tutorial boots five.
    && find /usr/bin -name 'qemu-system-*' ! -name qemu-system-x86_64 ! -name qemu-system-aarch64 \
       ! -name qemu-system-arm ! -name qemu-system-riscv64 ! -name qemu-system-riscv32 -delete \
    # gcc's LTO dump tools (100 MB): nothing here uses link-time optimisation with gcc.
    && rm -f /usr/bin/*-lto-dump-*

# A user for the dev container (VS Code, Codespaces), whose id it matches to the host user's
# (updateRemoteUserUID). `make` on the host runs the container as the host user instead.
RUN useradd --create-home --uid 1000 --shell /bin/bash learner

# Tells tools/route that this is the tutorial's own image: make runs natively in here.
ENV MAPPING_TUTORIAL_IMAGE=1
