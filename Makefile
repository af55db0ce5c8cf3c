# SPDX-License-Identifier: BSD-2-Clause
#
# The two commands of the tutorial, and a few more. The work is done by tools/ (host set-up,
# kernel build) and xtask/ (everything else); this file only passes names through: xtask checks
# them. Every command takes ARCH=x86_64|aarch64|riscv64|aarch32|riscv32 (default x86_64).
#
#   make simulate [ARCH=...] [STAGE=...]       build and boot the tutorial's file, or one stage of it
#   make simulate EXERCISE=<name>              build and boot a further exercise's file
#   make test [ARCH=...]                       every test: host tests, then every stage booted and checked
#   make status                                which stage each exercise file is at
#   make stages                                the stages, with what each shows
#   make solution [STAGE=...|EXERCISE=...]     a stage's solution as a diff (default: the next stage)
#   make reset [EXERCISE=...] [CONFIRM=yes]    an exercise file back to its start stage (asks first)
#   make simulate GDB=1 [STAGE=...]            the same, halted for gdb; then, in a second terminal:
#   make gdb [STAGE=...]                       gdb on the root task, stopped at its main
#   make semantics                             build and boot the paging-semantics suite
#   make kernel                                build the architecture's seL4 kernel
#   make image [STAGE=...]                     build the image only, and print its path
#   make bench [ARCH=...] [RUNS=5]             timings, instruction counts, sizes: tables (and build/bench.json)
#   make soak [RUNS=20]                        every stage booted and checked RUNS times in a row
#   make check                                 rustfmt and clippy on every crate
#   make fmt                                   rustfmt every crate
#   make clean                                 remove everything built (build/, target/)
#
# Natively on Debian 12 (x86_64); on any other host in the tutorial's container, with docker or
# podman (tools/route says which): CONTAINER=1 asks for the container anywhere, NATIVE=1 for a
# native run on an untested host.

# The first rule, so that a bare `make` shows the commands; help and clean run on the host alike.
help:
	@sed -n 's/^#   //p' Makefile

clean:
	rm -rf build target xtask/target

ARCH ?=
STAGE ?=
EXERCISE ?=
# Without a terminal (scripts, CI), a simulate run gives up after this many seconds.
TIMEOUT ?= 60
GDB ?=
GDB_PORT ?= 1234

ROUTE := $(shell CONTAINER='$(CONTAINER)' NATIVE='$(NATIVE)' tools/route)
ifeq ($(ROUTE),container)
# Every other goal runs in the container (tools/container): one make in there, given the same
# goals and the variables below.
PASSED := ARCH STAGE EXERCISE TIMEOUT GDB GDB_PORT LOG_LEVEL CONFIRM RUNS TOOLCHAIN
IN_CONTAINER := $(filter-out help clean,$(MAKECMDGOALS))
.PHONY: $(IN_CONTAINER)
$(firstword $(IN_CONTAINER)):
	@tools/container $(IN_CONTAINER) $(foreach v,$(PASSED),$(if $($(v)),$(v)='$($(v))'))
$(wordlist 2,$(words $(IN_CONTAINER)),$(IN_CONTAINER)):
	@:
else
# The options every xtask command below takes; empty ones mean "not given".
PICK := --arch "$(ARCH)" --stage "$(STAGE)" --exercise "$(EXERCISE)"

# The project's toolchain (tools/setup-host makes it): Debian's Rust with RUSTC_BOOTSTRAP=1, or
# rustup's rust-sel4 nightly (TOOLCHAIN=rustup).
export PATH := $(CURDIR)/build/toolchain/bin:$(PATH)
export TOOLCHAIN
# xtask is a host program: cargo runs from outside the project for it, so that the root tasks'
# settings in .cargo/config.toml (their target, build-std) do not apply.
XTASK := cd / && cargo run --quiet --locked --manifest-path "$(CURDIR)/xtask/Cargo.toml" --
export LOG_LEVEL

# The root tasks' packages, for rustfmt and clippy (x86_64; `cargo fmt --all` would reach into
# rust-sel4's checkout).
PACKAGES := -p sel4-mapping-tutorial -p mapping-tutorial -p paging-semantics -p bench-map-unmap \
	-p sel4-mapping-tutorial-aarch64 -p sel4-mapping-tutorial-riscv64 \
	-p sel4-mapping-tutorial-aarch32 -p sel4-mapping-tutorial-riscv32
# The other architectures, whose root tasks clippy checks in their own directories (with their
# kernels, which `make kernel` builds or finds cached).
OTHER_ARCHES := aarch64 riscv64 aarch32 riscv32

.PHONY: help setup kernel simulate gdb test status stages solution reset image semantics bench soak check fmt clean

setup:
	@tools/setup-host

kernel: setup
	@$(XTASK) kernel $(PICK)

simulate: setup
	@$(XTASK) simulate $(PICK) --timeout $(TIMEOUT) --gdb "$(if $(GDB),$(GDB_PORT))"

# The paging-semantics suite (paging-semantics/): what the kernel answers to mapping invocations.
semantics: setup
	@$(XTASK) semantics $(PICK) --timeout $(TIMEOUT)

# Every test (tools/run-tests): one run at a time in a checkout, and a last line `N passed, M failed`.
test: setup
	@$(XTASK) stages $(PICK) >/dev/null
	@tools/run-tests "$(ARCH)"

solution: setup
	@$(XTASK) solution $(PICK)

reset: setup
	@$(XTASK) reset $(PICK) $(CONFIRM)

gdb: setup
	@$(XTASK) gdb $(PICK) --gdb $(GDB_PORT)

status: setup
	@$(XTASK) status $(PICK)

stages: setup
	@$(XTASK) stages $(PICK)

image: setup
	@$(XTASK) image $(PICK)

bench: setup
	@$(XTASK) bench $(PICK) --runs $(or $(RUNS),5)

soak: setup
	@$(XTASK) soak $(PICK) --runs $(or $(RUNS),20)

check: setup
	cargo fmt --check $(PACKAGES)
	cargo clippy --locked --workspace --all-targets -- -D warnings
	@for arch in $(OTHER_ARCHES); do \
		$(XTASK) kernel --arch $$arch --stage "" --exercise "" || exit 1; \
		echo "cargo clippy ($$arch)"; \
		(cd "$(CURDIR)/$$arch" && cargo clippy --locked --features $$arch \
			-p sel4-mapping-tutorial-$$arch -p paging-semantics -- -D warnings) || exit 1; \
	done
	cd / && cargo fmt --check --manifest-path "$(CURDIR)/xtask/Cargo.toml"
	cd / && cargo clippy --locked --all-targets --manifest-path "$(CURDIR)/xtask/Cargo.toml" -- -D warnings

fmt: setup
	cargo fmt $(PACKAGES)
	cd / && cargo fmt --manifest-path "$(CURDIR)/xtask/Cargo.toml"
endif
