# SPDX-License-Identifier: BSD-2-Clause
#
# The x86_64 kernel: a PC (pc99) kernel that runs under QEMU's software emulation (qemu/x86_64.args).
# Passed to seL4's CMake build by tools/build-kernel with -C; a change here rebuilds the kernel.

# Named by its GNU prefix on every host: Debian's native gcc on an x86_64 host, its cross compiler
# (gcc-x86-64-linux-gnu) on an ARM one (tools/system-packages.txt).
set(CROSS_COMPILER_PREFIX x86_64-linux-gnu- CACHE STRING "")
set(KernelArch x86 CACHE STRING "")
set(KernelSel4Arch x86_64 CACHE STRING "")
set(KernelPlatform pc99 CACHE STRING "")

# A debug kernel prints its boot log and, when a thread faults, the fault report the tutorial
# shows ("vm fault on data at address ...").
set(KernelDebugBuild ON CACHE BOOL "")
set(KernelPrinting ON CACHE BOOL "")
set(KernelVerificationBuild OFF CACHE BOOL "")

# CPU features that QEMU's emulated Nehalem (qemu/x86_64.args) lacks or that slow emulation down.
set(KernelFSGSBase msr CACHE STRING "")
set(KernelSupportPCID OFF CACHE BOOL "")
set(KernelIOMMU OFF CACHE BOOL "")
set(KernelFPU FXSAVE CACHE STRING "")

# 2^16 slots in the root CNode: room for every object the exercises make.
set(KernelRootCNodeSizeBits 16 CACHE STRING "")

# 1 GiB frames (x86_64 "huge pages"); QEMU's CPU has pdpe1gb.
set(KernelHugePage ON CACHE BOOL "")

# A fixed TSC frequency (in Hz) skips the kernel's ~100 ms calibration against the PIT at boot.
# Only the kernel's timer tick depends on it, and the tutorial never waits on time.
set(KernelPC99TSCFrequency 2000000000 CACHE STRING "")
