# SPDX-License-Identifier: BSD-2-Clause
#
# The paging-semantics suite's second aarch64 kernel, at EL1: the aarch64 kernel
# (sel4-kernel-config/aarch64.cmake) without hypervisor support, which the suite alone boots
# (xtask/src/catalogue.rs, SUITE_ONLY) on the same board (qemu/aarch64_el1.args). Passed to seL4's
# CMake build by tools/build-kernel with -C; a change here rebuilds the kernel and its loader.
# Every setting but KernelArmHypervisorSupport is aarch64.cmake's, so that what the suite finds
# different comes from the kernel's `#ifdef CONFIG_ARM_HYPERVISOR_SUPPORT` alone.

# Debian's cross compiler (gcc-aarch64-linux-gnu).
set(CROSS_COMPILER_PREFIX aarch64-linux-gnu- CACHE STRING "")
set(KernelArch arm CACHE STRING "")
set(KernelSel4Arch aarch64 CACHE STRING "")
set(KernelPlatform qemu-arm-virt CACHE STRING "")
set(ARM_CPU cortex-a57 CACHE STRING "")
# As aarch64.cmake (qemu/aarch64_el1.args gives QEMU the same `-m`).
set(QEMU_MEMORY 3072 CACHE STRING "")
set(KernelMaxNumNodes 1 CACHE STRING "")

# EL1: user VSpaces are stage-1 translation tables, and the kernel lives in the upper half of
# the address space. rust-sel4 v5.0.0's loader enters a kernel at EL2 only (it asserts EL2 and
# switches to the kernel's tables in TTBR0_EL2, which cannot map the kernel's upper-half
# addresses: "Entering kernel", then a translation fault); this kernel's loader is built with
# sel4-kernel-config/aarch64_el1.loader.patch, which leaves EL2 for EL1 first.
set(KernelArmHypervisorSupport OFF CACHE BOOL "")

set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")
set(KernelRootCNodeSizeBits 16 CACHE STRING "")
set(KernelArmExportPMUUser ON CACHE BOOL "")
