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
    /// The kernel function (and file) whose check gives the expected outcome.
    pub kernel: &'static str,
    /// The message the debug kernel prints on the console while the case runs, where a case that
    /// expects success (or a fault) gets one: the host checks it in the boot log, and fails such a
    /// case on any other (semantics.rs). `None` where it expects none.
    pub warns: Option<&'static str>,
    pub run: fn(&mut Env) -> Result<Outcome, Failure>,
}

/// Defines a topic's cases: each a function named after the case, with its expected outcome and
/// kernel reference, and `CASES`, the list of them in order. Since every case is a function of
/// the topic's module, two cases of one name do not compile, and none can be left out of the list.
/// A `#[cfg(...)]` after the case's documentation limits it to some architectures.
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

/// The architectures a value can be given for in [`by_arch!`]: each one, both RISC-V ones, both
/// ARM ones, the 64-bit ones, and `other` for the rest.
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
    riscv,
    arm,
    other,
}

impl Arch {
    /// Whether the suite is being built for this architecture (or one of this group).
    const fn is_target(self) -> bool {
        match self {
            Arch::x86_64 => cfg!(target_arch = "x86_64"),
            Arch::aarch64 => cfg!(target_arch = "aarch64"),
            Arch::riscv64 => cfg!(target_arch = "riscv64"),
            Arch::aarch32 => cfg!(target_arch = "arm"),
            Arch::riscv32 => cfg!(target_arch = "riscv32"),
            Arch::riscv => cfg!(any(target_arch = "riscv64", target_arch = "riscv32")),
            Arch::arm => cfg!(any(target_arch = "aarch64", target_arch = "arm")),
            Arch::other => true,
        }
    }
}

/// The first value whose architecture is the one the suite is built for. Evaluated at compile
/// time: a value missing for some architecture fails that architecture's build.
pub const fn pick<T: Copy>(choices: &[(Arch, T)]) -> T {
    let mut i = 0;
    while i < choices.len() {
        if choices[i].0.is_target() {
            return choices[i].1;
        }
        i += 1;
    }
    panic!("by_arch!: no value for this architecture")
}

/// A value (an expected outcome, a kernel reference) that differs from one kernel to the next:
/// `by_arch!(x86_64 = a, riscv = b, other = c)` is the first whose architecture matches.
macro_rules! by_arch {
    ($($arch:ident = $value:expr),+ $(,)?) => {
        const { $crate::case::pick(&[$(($crate::case::Arch::$arch, $value)),+]) }
    };
}

pub(crate) use by_arch;
