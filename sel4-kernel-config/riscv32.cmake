# SPDX-License-Identifier: BSD-2-Clause
#
# The riscv32 kernel: QEMU's `virt` board (qemu/riscv32.args), Sv32 paging (two levels). Passed to
# seL4's CMake build by tools/build-kernel with -C; a change here rebuilds the kernel and its
# loader.

# Debian's riscv64 cross compiler builds the 32-bit kernel too (gcc-riscv64-linux-gnu).
set(CROSS_COMPILER_PREFIX riscv64-linux-gnu- CACHE STRING "")
set(KernelArch riscv CACHE STRING "")
set(KernelSel4Arch riscv32 CACHE STRING "")
set(KernelPlatform qemu-riscv-virt CACHE STRING "")
# The board's memory, in MiB: the kernel's device tree is made for it at build time, so
# qemu/riscv32.args must give QEMU the same `-m`. Not 2048: the loader would then put the device
# tree above what the 32-bit kernel can reach ("DTB ... exceeds PADDR_TOP (ff800000)").
set(QEMU_MEMORY 2000 CACHE STRING "")
set(KernelMaxNumNodes 1 CACHE STRING "")

# A debug kernel prints its boot log and, when a thread faults, the fault report the tutorial
# shows ("vm fault on data at address ...").
set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")

# 2^16 slots in the root CNode: room for every object the exercises make.
set(KernelRootCNodeSizeBits 16 CACHE STRING "")
