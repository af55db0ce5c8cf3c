# SPDX-License-Identifier: BSD-2-Clause
#
# The aarch32 kernel: QEMU's `virt` board with a Cortex-A15 (qemu/aarch32.args). Passed to seL4's
# CMake build by tools/build-kernel with -C; a change here rebuilds the kernel and its loader.

# Debian's cross compiler (gcc-arm-linux-gnueabihf).
set(CROSS_COMPILER_PREFIX arm-linux-gnueabihf- CACHE STRING "")
set(KernelArch arm CACHE STRING "")
set(KernelSel4Arch aarch32 CACHE STRING "")
set(KernelPlatform qemu-arm-virt CACHE STRING "")
set(ARM_CPU cortex-a15 CACHE STRING "")
# The board's memory, in MiB: the kernel's device tree is made for it at build time (CMake runs
# qemu-system-arm to dump it), so qemu/aarch32.args must give QEMU the same `-m`.
set(QEMU_MEMORY 1024 CACHE STRING "")
set(KernelMaxNumNodes 1 CACHE STRING "")

# No hypervisor support: rust-sel4 v5.0.0 does not support seL4's aarch32 hypervisor kernel
# (arm_hyp). rust-sel4's loader starts in HYP mode and leaves it for SVC before it enters this
# kernel. Without it, a VSpace is a page directory with one level of page tables below it, and
# user addresses end at 0xa0000000 on this board (src/plat/qemu-arm-virt/config.cmake).

# A debug kernel prints its boot log and, when a thread faults, the fault report the tutorial
# shows ("vm fault on data at address ...").
set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")

# 2^16 slots in the root CNode: room for every object the exercises make.
set(KernelRootCNodeSizeBits 16 CACHE STRING "")

# Not KernelArmExportPMUUser, as on aarch64 for `make bench`'s instruction counts: with it, this
# kernel stops at boot on QEMU's Cortex-A15 ("KERNEL DATA ABORT! ... FAR: 0x48 DFSR: 0x805"), so
# aarch32 has no instruction counts (xtask/src/catalogue.rs, Arch::counts_instructions).
