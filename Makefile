# SPDX-License-Identifier: BSD-2-Clause
#
# The two commands of the tutorial, and a few more. The work is done by tools/ (host set-up,
# kernel build) and xtask/ (stages, images, QEMU); this file only puts them in order.
#
#   make simulate [STAGE=start|pd|pt|remap]   build and boot src/main.rs, or one stage of it
#   make test                                 every host test, then every stage built, booted, checked
#   make semantics                            build and boot the paging-semantics suite
#   make status                               which stage src/main.rs is at
#   make solution [STAGE=...]                 a stage's solution as a diff (default: the next stage)
#   make reset [CONFIRM=yes]                  src/main.rs back to the start stage (asks first)
#   make simulate GDB=1 [STAGE=...]           the same, halted for gdb; then, in a second terminal:
#   make gdb [STAGE=...]                      gdb on the root task, stopped at its main
#   make bench [RUNS=5]                       timings and image size, as a table (and build/bench.json)
#   make soak [RUNS=20]                       every stage booted and checked RUNS times in a row

STAGES := start pd pt remap
STAGE ?=
ifneq ($(filter-out $(STAGES),$(STAGE)),)
  $(error Unknown stage '$(STAGE)'. The stages are: $(STAGES))
endif
ifneq ($(words $(STAGE)),$(filter 0 1,$(words $(STAGE))))
  $(error STAGE takes one stage name; the stages are: $(STAGES))
endif

XTASK := cargo run --quiet --locked --manifest-path xtask/Cargo.toml --
# Without a terminal (scripts, CI), a simulate run gives up after this many seconds.
TIMEOUT ?= 60
GDB ?=
GDB_PORT ?= 1234
export LOG_LEVEL

.PHONY: help setup kernel simulate gdb test status solution reset image semantics bench soak check fmt clean

help:
	@sed -n 's/^#   //p' Makefile

setup:
	@tools/setup-host

kernel: setup
	@mkdir -p build && flock build/kernel.lock tools/build-kernel

simulate: kernel
	@printf '==> Building the root task (cargo)\n' >&2
	@$(XTASK) simulate --stage "$(STAGE)" --timeout $(TIMEOUT) --gdb "$(if $(GDB),$(GDB_PORT))"

# The paging-semantics suite (paging-semantics/): what the kernel answers to mapping invocations.
semantics: kernel
	@$(XTASK) semantics --timeout $(TIMEOUT)

# One test run at a time in a checkout: the stages' builds and logs are shared.
test: kernel
	@flock --nonblock --conflict-exit-code 75 build/make-test.lock \
	  cargo test --locked --no-fail-fast --manifest-path xtask/Cargo.toml; status=$$?; \
	  if [ $$status -eq 75 ]; then echo "error: another make test is running in this checkout;" \
	  "wait for it to finish (build/make-test.lock)" >&2; fi; exit $$status

solution: setup
	@$(XTASK) solution --stage "$(STAGE)"

reset: setup
	@$(XTASK) reset $(CONFIRM)

gdb:
	@$(XTASK) gdb --stage "$(STAGE)" --gdb $(GDB_PORT)

status: setup
	@$(XTASK) status

# The root task image alone: build/images/<main|stage>.elf
image: kernel
	@$(XTASK) image --stage "$(STAGE)"

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
