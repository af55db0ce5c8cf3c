# SPDX-License-Identifier: BSD-2-Clause
#
# The two commands of the tutorial, and a few more. The work is done by tools/ (host set-up,
# kernel build) and xtask/ (everything else); this file only passes make's variables through as
# xtask's options: xtask checks them and has every default. The list below is `tools/xtask help`
# (a test holds it to xtask's commands). ARCH= is one of the architectures of xtask's catalogue
# (default x86_64).
#
#   make simulate [ARCH=...] [STAGE=...|EXERCISE=...] [GDB=1] [WALK=1]  build and boot your file, or a stage of it (GDB=1: halted for gdb; WALK=1: then the page-table walk)
#   make walk [ARCH=...] [STAGE=...|EXERCISE=...] [ADDR=...]            run it, then walk the address through the page tables the kernel wrote
#   make gdb [ARCH=...] [STAGE=...|EXERCISE=...]                        in a second terminal, gdb on `make simulate GDB=1`, stopped at main
#   make test [ARCH=...]                                                every test: host tests, then every stage booted and checked
#   make status [ARCH=...] [EXERCISE=...]                               which stage each exercise file is at
#   make stages [ARCH=...]                                              the stages, with what each shows
#   make solution [ARCH=...] [STAGE=...|EXERCISE=...]                   a stage's solution as a diff (default: the next)
#   make reset [ARCH=...] [EXERCISE=...] [CONFIRM=yes]                  an exercise file back to its start (asks first)
#   make semantics [ARCH=...]                                           build and boot the paging-semantics suite (every kernel without ARCH=, aarch64_el1 too, then docs/kernel-semantics-cases.md and -coverage.md)
#   make kernel [ARCH=...]                                              build the architecture's seL4 kernel
#   make image [ARCH=...] [STAGE=...]                                   build the image only, and print its path
#   make bench [ARCH=...] [RUNS=5] [ONLY=loop,first,...]                timings, instruction counts, sizes (and build/bench.json)
#   make bench-report [JSON=...]                                        a bench run's figures (build/bench.json) into docs/bench.json, in place of the same ones, and docs/performance.md from it
#   make soak [ARCH=...] [RUNS=20]                                      every stage booted and checked RUNS times in a row
#   make book [SERVE=1]                                                 the tutorial as a book, built into build/book (SERVE=1: served on localhost, rebuilt on every change)
#   make record [ARCH=...] [STAGE=...|EXERCISE=...]                     boot stages and record what they show, for the book (docs/book/recorded)
#   make check                                                          rustfmt and clippy on every crate of every architecture, and on xtask
#   make fmt                                                            rustfmt every crate
#   make clean                                                          remove everything built (build/, target/, xtask/target/)
#
# Natively on Debian 12 (x86_64); on any other host in the tutorial's container, with docker or
# podman (tools/route says which): CONTAINER=1 asks for the container anywhere, NATIVE=1 for a
# native run on an untested host.

# The first rule, so that a bare `make` shows the commands; help and clean run on the host alike.
help:
	@sed -n 's/^#   //p' Makefile

clean:
	rm -rf build target xtask/target

ROUTE := $(shell CONTAINER='$(CONTAINER)' NATIVE='$(NATIVE)' tools/route)
ifeq ($(filter native container,$(ROUTE)),)
# tools/route did not run: most often a checkout with Windows line endings (CRLF), which breaks
# every script's first line. .gitattributes keeps a clone LF; an older one needs converting.
$(error tools/route did not say where make runs (see above). If this checkout has Windows line endings (CRLF), check it out again with LF (your own files, src/ and the like, are kept; uncommitted changes to the project's files are not): git config core.autocrlf false && git rm -rq --cached . && git reset -q --hard)
else ifeq ($(ROUTE),container)
# Every other goal runs in the container (tools/container): one make in there, given the same
# goals and the variables below.
PASSED := ARCH STAGE EXERCISE TIMEOUT GDB WALK ADDR GDB_PORT LOG_LEVEL CONFIRM RUNS ONLY JSON TOOLCHAIN SERVE BOOK_PORT
# Where make runs is the host's to decide alone (tools/route): these never reach the container.
HOST_ONLY := CONTAINER NATIVE
IN_CONTAINER := $(filter-out help clean,$(MAKECMDGOALS))
.PHONY: $(IN_CONTAINER)
$(firstword $(IN_CONTAINER)):
	@tools/container $(IN_CONTAINER) $(foreach v,$(PASSED),$(if $($(v)),$(v)='$($(v))'))
$(wordlist 2,$(words $(IN_CONTAINER)),$(IN_CONTAINER)):
	@:
else
# A make variable as an xtask option, when it is given: $(call opt,VARIABLE,option).
opt = $(if $($(1)),--$(2) '$($(1))')
# The options of every command about an architecture, an exercise or a stage.
PICK = $(call opt,ARCH,arch) $(call opt,STAGE,stage) $(call opt,EXERCISE,exercise)

# The project's toolchain (tools/setup-host makes it): Debian's Rust with RUSTC_BOOTSTRAP=1, or
# rustup's rust-sel4 nightly (TOOLCHAIN=rustup).
export PATH := $(CURDIR)/build/toolchain/bin:$(PATH)
export TOOLCHAIN
# The host tools (xtask/), started as everything starts them.
XTASK := tools/xtask
export LOG_LEVEL

.PHONY: setup setup-tests kernel simulate walk gdb test status stages solution reset image semantics bench bench-report soak book record check fmt

setup:
	@tools/setup-host

# make test also installs what only the tests need (tools/system-packages.txt's `for=tests`).
setup-tests:
	@tools/setup-host --tests

simulate: setup
	@$(XTASK) simulate $(PICK) $(call opt,TIMEOUT,timeout) $(if $(GDB),--gdb) $(call opt,GDB_PORT,port) $(if $(WALK),--walk) $(call opt,ADDR,addr)

walk: setup
	@$(XTASK) walk $(PICK) $(call opt,TIMEOUT,timeout) $(call opt,ADDR,addr)

gdb: setup
	@$(XTASK) gdb $(PICK) $(call opt,GDB_PORT,port)

test: setup-tests
	@$(XTASK) test $(PICK)

status stages solution image kernel: setup
	@$(XTASK) $@ $(PICK)

reset: setup
	@$(XTASK) reset $(PICK) $(call opt,CONFIRM,confirm)

semantics: setup
	@$(XTASK) semantics $(PICK) $(call opt,TIMEOUT,timeout)

bench: setup
	@$(XTASK) $@ $(PICK) $(call opt,RUNS,runs) $(call opt,ONLY,only)

soak: setup
	@$(XTASK) $@ $(PICK) $(call opt,RUNS,runs)

bench-report: setup
	@$(XTASK) bench-report $(call opt,JSON,from)

book: setup
	@$(XTASK) book $(if $(SERVE),--serve) $(call opt,BOOK_PORT,port)

record: setup
	@$(XTASK) record $(PICK)

check fmt: setup
	@$(XTASK) $@
endif
