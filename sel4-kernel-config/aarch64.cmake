# SPDX-License-Identifier: BSD-2-Clause
#
# The aarch64 kernel: QEMU's `virt` board with a Cortex-A57 (qemu/aarch64.args). Passed to seL4's
# CMake build by tools/build-kernel with -C; a change here rebuilds the kernel and its loader.

# Debian's cross compiler (gcc-aarch64-linux-gnu).
set(CROSS_COMPILER_PREFIX aarch64-linux-gnu- CACHE STRING "")
set(KernelArch arm CACHE STRING "")
set(KernelSel4Arch aarch64 CACHE STRING "")
set(KernelPlatform qemu-arm-virt CACHE STRING "")
set(ARM_CPU cortex-a57 CACHE STRING "")
# The board's memory, in MiB: the kernel's device tree is made for it at build time (CMake runs
# qemu-system-aarch64 to dump it), so qemu/aarch64.args must give QEMU the same `-m`. 3 GiB, so
# that one 1 GiB-aligned gigabyte stays whole (the boot's own use sits at the top of memory):
# the kernel then hands out a 1 GiB untyped for a huge page.
set(QEMU_MEMORY 3072 CACHE STRING "")
set(KernelMaxNumNodes 1 CACHE STRING "")

# rust-sel4's kernel loader runs at EL2 and enters the kernel there, so the kernel must be the
# one built for EL2: with hypervisor support. (A kernel built for EL1 faults at its first
# instruction after the loader's "Entering kernel".) With it, a VSpace is a stage-2 translation
# table of 4 levels on this CPU (44-bit physical addresses).
set(KernelArmHypervisorSupport ON CACHE BOOL "")

# A debug kernel prints its boot log and, when a thread faults, the fault report the tutorial
# shows ("vm fault on data at address ...").
set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")

# 2^16 slots in the root CNode: room for every object the exercises make.
set(KernelRootCNodeSizeBits 16 CACHE STRING "")

# User mode may read the PMU: `make bench` counts instructions with its cycle counter, which QEMU
# runs from the instruction count under -icount (lib/src/instruction_count.rs).
set(KernelArmExportPMUUser ON CACHE BOOL "")
