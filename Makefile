# SPDX-License-Identifier: BSD-2-Clause
#
# The two commands of the tutorial, and a few more. The work is done by tools/ (host set-up,
# kernel build) and xtask/ (stages, images, QEMU); this file only puts them in order.
#
#   make simulate [STAGE=start|pd|pt|remap]   build and boot src/main.rs, or one stage of it
#   make simulate EXERCISE=<name>             build and boot a further exercise's file (src/bin/)
#   make test                                 every host test, then every stage built, booted, checked
#   make semantics                            build and boot the paging-semantics suite
#   make status [EXERCISE=...]                which stage each exercise file is at
#   make stages                               every exercise's stages, with what each shows
#   make solution [STAGE=...|EXERCISE=...]    a stage's solution as a diff (default: the next stage)
#   make reset [EXERCISE=...] [CONFIRM=yes]   an exercise file back to its start stage (asks first)
#   make simulate GDB=1 [STAGE=...]           the same, halted for gdb; then, in a second terminal:
#   make gdb [STAGE=...]                      gdb on the root task, stopped at its main
#   make bench [RUNS=5]                       timings and image size, as a table (and build/bench.json)
#   make soak [RUNS=20]                       every stage booted and checked RUNS times in a row

STAGES := start pd pt remap mapper-start mapper-name mapper-make unmapping-start unmapping-page unmapping-page-again unmapping-table unmapping-table-again unmapping-delete unmapping-new-table page-sizes-start page-sizes-large page-sizes-huge rights-start rights-read-write rights-write-only
STAGE ?=
ifneq ($(filter-out $(STAGES),$(STAGE)),)
  $(error Unknown stage '$(STAGE)'. The stages are: $(STAGES))
endif
ifneq ($(words $(STAGE)),$(filter 0 1,$(words $(STAGE))))
  $(error STAGE takes one stage name; the stages are: $(STAGES))
endif
EXERCISES := mapping mapper unmapping page-sizes rights
EXERCISE ?=
ifneq ($(filter-out $(EXERCISES),$(EXERCISE)),)
  $(error Unknown exercise '$(EXERCISE)'. The exercises are: $(EXERCISES))
endif
ifneq ($(words $(EXERCISE)),$(filter 0 1,$(words $(EXERCISE))))
  $(error EXERCISE takes one exercise name; the exercises are: $(EXERCISES))
endif
# The exercise and stage options every xtask command below takes.
PICK := --stage "$(STAGE)" --exercise "$(EXERCISE)"

XTASK := cargo run --quiet --locked --manifest-path xtask/Cargo.toml --
# Without a terminal (scripts, CI), a simulate run gives up after this many seconds.
TIMEOUT ?= 60
GDB ?=
GDB_PORT ?= 1234
export LOG_LEVEL

.PHONY: help setup kernel simulate gdb test status stages solution reset image semantics bench soak check fmt clean

help:
	@sed -n 's/^#   //p' Makefile

setup:
	@tools/setup-host

kernel: setup
	@mkdir -p build && flock build/kernel.lock tools/build-kernel

simulate: kernel
	@printf '==> Building the root task (cargo)\n' >&2
	@$(XTASK) simulate $(PICK) --timeout $(TIMEOUT) --gdb "$(if $(GDB),$(GDB_PORT))"

# The paging-semantics suite (paging-semantics/): what the kernel answers to mapping invocations.
semantics: kernel
	@$(XTASK) semantics --timeout $(TIMEOUT)

# Every test (tools/run-tests): one run at a time in a checkout, and a last line `N passed, M failed`.
test: kernel
	@tools/run-tests

solution: setup
	@$(XTASK) solution $(PICK)

reset: setup
	@$(XTASK) reset --exercise "$(EXERCISE)" $(CONFIRM)

gdb:
	@$(XTASK) gdb $(PICK) --gdb $(GDB_PORT)

status: setup
	@$(XTASK) status --exercise "$(EXERCISE)"

stages: setup
	@$(XTASK) stages

# The root task image alone: build/images/<main|stage>.elf
image: kernel
	@$(XTASK) image $(PICK)

bench: kernel
	@$(XTASK) bench --runs $(or $(RUNS),5)

soak: kernel
	@$(XTASK) soak --runs $(or $(RUNS),20)

# Formatting and lints, for every crate.
IMAGE_CRATES := Cargo.toml bench-map-unmap/Cargo.toml paging-semantics/Cargo.toml
check: setup
	for m in $(IMAGE_CRATES) xtask/Cargo.toml; do cargo fmt --check --manifest-path $$m || exit 1; done
	for m in $(IMAGE_CRATES); do cargo clippy --locked --release --manifest-path $$m \
	  --target x86_64-unknown-linux-gnu --config .cargo/sel4-image.toml -- -D warnings || exit 1; done
	cargo clippy --locked --all-targets --manifest-path xtask/Cargo.toml -- -D warnings

fmt:
	for m in $(IMAGE_CRATES) xtask/Cargo.toml; do cargo fmt --manifest-path $$m; done

clean:
	rm -rf build target xtask/target
