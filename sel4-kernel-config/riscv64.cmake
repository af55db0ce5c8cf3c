# SPDX-License-Identifier: BSD-2-Clause
#
# The riscv64 kernel: QEMU's `virt` board (qemu/riscv64.args), Sv39 paging (three levels). Passed
# to seL4's CMake build by tools/build-kernel with -C; a change here rebuilds the kernel and its
# loader.

# Debian's cross compiler (gcc-riscv64-linux-gnu).
set(CROSS_COMPILER_PREFIX riscv64-linux-gnu- CACHE STRING "")
set(KernelArch riscv CACHE STRING "")
set(KernelSel4Arch riscv64 CACHE STRING "")
set(KernelPlatform qemu-riscv-virt CACHE STRING "")
# The board's memory, in MiB: the kernel's device tree is made for it at build time (CMake runs
# qemu-system-riscv64 to dump it), so qemu/riscv64.args must give QEMU the same `-m`. 3 GiB, so
# that one 1 GiB-aligned gigabyte stays whole (the boot's own use sits at the top of memory):
# the kernel then hands out a 1 GiB untyped for a huge page.
set(QEMU_MEMORY 3072 CACHE STRING "")
set(KernelMaxNumNodes 1 CACHE STRING "")

# A debug kernel prints its boot log and, when a thread faults, the fault report the tutorial
# shows ("vm fault on data at address ...").
set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")

# 2^16 slots in the root CNode: room for every object the exercises make.
set(KernelRootCNodeSizeBits 16 CACHE STRING "")
