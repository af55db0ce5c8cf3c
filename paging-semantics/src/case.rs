// SPDX-License-Identifier: BSD-2-Clause

//! What a case is: a question to the kernel (a function), the answer it expects, and the place in
//! the kernel's source that gives that answer.

use mapping_tutorial::Failure;

use crate::env::Env;
use crate::outcome::Outcome;

/// One case.
#[derive(Clone, Copy)]
pub struct Case {
    /// The function's name: a duplicate is a compile error ([`cases!`]).
    pub name: &'static str,
    pub expected: Outcome,
    /// The kernel function (and file) whose check gives the expected outcome:
    /// `arm/64/kernel/vspace.c decodeARMFrameInvocation -> checkVPAlignment: why`. A case that
    /// expects a refusal names the check's line, its error site (`arm/64/kernel/vspace.c:1558
    /// decodeARMFrameInvocation: ...`): the host holds the answer and the kernel's console to that
    /// line of the source (xtask/src/semantics/coverage.rs).
    pub kernel: &'static str,
    /// The message the debug kernel prints on the console while the case runs, where a case that
    /// expects success (or a fault) gets one: the host checks it in the boot log, and fails such a
    /// case on any other (semantics.rs). `None` where it expects none.
    pub warns: Option<&'static str>,
    /// Whether the case runs on the kernel the suite is built for, where `#[cfg]` cannot say
    /// (the two aarch64 kernels are one target): `applies: by_arch!(aarch64_el1 = false, other =
    /// true)`. A case that does not apply is not run, counted or listed.
    pub applies: bool,
    pub run: fn(&mut Env) -> Result<Outcome, Failure>,
}

/// Defines a topic's cases: each a function named after the case, with its expected outcome and
/// kernel reference, and `CASES`, the list of them in order. Since every case is a function of
/// the topic's module, two cases of one name do not compile, and none can be left out of the list.
/// A `#[cfg(...)]` after the case's documentation limits it to some architectures, and an
/// `applies:` first in its body to some kernels of one architecture.
///
/// ```text
/// cases! {
///     /// Why this case exists.
///     #[cfg(target_pointer_width = "64")]
///     frame_with_every_structure_maps {
///         expected: Outcome::Ok,
///         kernel: by_arch!(x86_64 = "x86/kernel/vspace.c ...", other = "..."),
///         // Optional: the kernel's console message while it runs (`Some("...")`, or by_arch!).
///         warns: Some("Attempted to make unsupported write only mapping"),
///         run: |env| { ... },
///     }
/// }
/// ```
macro_rules! cases {
    ($(
        $(#[doc = $doc:expr])*
        $(#[cfg($cfg:meta)])?
        $name:ident {
            $(applies: $applies:expr,)?
            expected: $expected:expr,
            kernel: $kernel:expr,
            $(warns: $warns:expr,)?
            run: |$env:ident| $body:block,
        }
    )+) => {
        $(
            $(#[doc = $doc])*
            $(#[cfg($cfg)])?
            fn $name($env: &mut $crate::env::Env)
                -> Result<$crate::outcome::Outcome, mapping_tutorial::Failure> $body
        )+

        pub const CASES: &[$crate::case::Case] = &[
            $(
                $(#[cfg($cfg)])?
                $crate::case::Case {
                    name: stringify!($name),
                    expected: $expected,
                    kernel: $kernel,
                    warns: $crate::case::warns!($($warns)?),
                    applies: $crate::case::applies!($($applies)?),
                    run: $name,
                },
            )+
        ];
    };
}

pub(crate) use cases;

/// A case's `warns:`, or `None` without one.
macro_rules! warns {
    () => {
        None
    };
    ($warns:expr) => {
        $warns
    };
}

pub(crate) use warns;

/// A case's `applies:`, or `true` without one.
macro_rules! applies {
    () => {
        true
    };
    ($applies:expr) => {
        $applies
    };
}

pub(crate) use applies;

/// The kernels a value can be given for in [`by_arch!`]: each architecture's, named after it;
/// `aarch64_el1`, the second aarch64 kernel (at EL1, without hypervisor support), which `aarch64`
/// names too; both RISC-V ones, every ARM one, and `other` for the rest.
///
/// Named as in `by_arch!`'s arguments. Some are unused on some architectures (their cases are
/// compiled out there).
#[allow(non_camel_case_types, dead_code)]
#[derive(Clone, Copy)]
pub enum Arch {
    x86_64,
    aarch64,
    riscv64,
    aarch32,
    riscv32,
    aarch64_el1,
    riscv,
    arm,
    other,
}

/// Each kernel a bit, for the kernels an [`Arch`] names.
const X86_64: u8 = 1;
const AARCH64_EL2: u8 = 2;
const AARCH64_EL1: u8 = 4;
const RISCV64: u8 = 8;
const AARCH32: u8 = 16;
const RISCV32: u8 = 32;

/// The kernel the suite is built for: its architecture, and on aarch64 whether the kernel has
/// hypervisor support (libsel4's configuration, generated from the kernel's).
const THIS_KERNEL: u8 = {
    #[cfg(target_arch = "x86_64")]
    let kernel = X86_64;
    #[cfg(target_arch = "aarch64")]
    let kernel = match sel4::sel4_cfg_bool!(ARM_HYPERVISOR_SUPPORT) {
        true => AARCH64_EL2,
        false => AARCH64_EL1,
    };
    #[cfg(target_arch = "riscv64")]
    let kernel = RISCV64;
    #[cfg(target_arch = "arm")]
    let kernel = AARCH32;
    #[cfg(target_arch = "riscv32")]
    let kernel = RISCV32;
    kernel
};

impl Arch {
    /// The kernels it names.
    const fn kernels(self) -> u8 {
        match self {
            Arch::x86_64 => X86_64,
            Arch::aarch64 => AARCH64_EL2 | AARCH64_EL1,
            Arch::riscv64 => RISCV64,
            Arch::aarch32 => AARCH32,
            Arch::riscv32 => RISCV32,
            Arch::aarch64_el1 => AARCH64_EL1,
            Arch::riscv => RISCV64 | RISCV32,
            Arch::arm => AARCH64_EL2 | AARCH64_EL1 | AARCH32,
            Arch::other => u8::MAX,
        }
    }
}

/// The first value whose kernels include the one the suite is built for. Evaluated at compile
/// time: a value missing for some kernel fails that kernel's build, and so does a value that can
/// never be picked (`by_arch!(aarch64 = a, aarch64_el1 = b)`: every kernel `aarch64_el1` names,
/// `aarch64` names first).
pub const fn pick<T: Copy>(choices: &[(Arch, T)]) -> T {
    let mut i = 0;
    let mut named = 0;
    while i < choices.len() {
        let kernels = choices[i].0.kernels();
        if kernels & !named == 0 {
            panic!("by_arch!: a value that an earlier one hides");
        }
        named |= kernels;
        i += 1;
    }
    let mut i = 0;
    while i < choices.len() {
        if choices[i].0.kernels() & THIS_KERNEL != 0 {
            return choices[i].1;
        }
        i += 1;
    }
    panic!("by_arch!: no value for this architecture")
}

/// A value (an expected outcome, a kernel reference) that differs from one kernel to the next:
/// `by_arch!(x86_64 = a, riscv = b, other = c)` is the first whose kernels include the one the
/// suite is built for (`aarch64_el1 = a, aarch64 = b`: a on the EL1 kernel, b on the EL2 one).
macro_rules! by_arch {
    ($($arch:ident = $value:expr),+ $(,)?) => {
        const { $crate::case::pick(&[$(($crate::case::Arch::$arch, $value)),+]) }
    };
}

pub(crate) use by_arch;

/// The error site a kernel reference names: its first word, where that is `file:line`.
pub fn site(kernel: &str) -> Option<&str> {
    let first = kernel.split(' ').next()?;
    let (_, line) = first.rsplit_once(':')?;
    (!line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())).then_some(first)
}

/// A site as a case's `ok` line ends with it: ` [file:line]`, or nothing.
pub struct Site<'a>(pub Option<&'a str>);

impl core::fmt::Display for Site<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self.0 {
            Some(site) => write!(f, " [{site}]"),
            None => Ok(()),
        }
    }
}
