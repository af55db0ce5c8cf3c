// SPDX-License-Identifier: BSD-2-Clause

//! What the kernel answered to one invocation or one access: what a case expects and gets. Both
//! the cases (case.rs) and their environment (env.rs) speak of it.

use core::fmt;

use mapping_tutorial::mapping_failed_lookup_level;

/// What an invocation did: succeeded, failed with an error, or failed with `seL4_FailedLookup`
/// and the number of address bits the kernel could not resolve (the tutorial's "level"). For an
/// access made by a probe thread ([`crate::env::Env::probe`]): a VM fault at the address, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Err(sel4::Error),
    Lookup(sel4::Word),
    /// A VM fault at the probed address (a fault elsewhere fails the case).
    VmFault,
    NoFault,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            // libsel4's name for "no error", so that both sides of a mismatch read alike.
            Outcome::Ok => f.write_str("seL4_NoError"),
            Outcome::Err(e) => f.write_str(mapping_tutorial::c_name(*e)),
            Outcome::Lookup(level) => write!(f, "seL4_FailedLookup at level {level}"),
            Outcome::VmFault => f.write_str("a VM fault at the address"),
            Outcome::NoFault => f.write_str("no fault"),
        }
    }
}

/// Turns an invocation's result into an [`Outcome`]. Must be called straight after the
/// invocation: the lookup level lives in a message register that the next one overwrites.
pub fn outcome(result: sel4::Result<()>) -> Outcome {
    match result {
        Ok(()) => Outcome::Ok,
        Err(sel4::Error::FailedLookup) => Outcome::Lookup(mapping_failed_lookup_level()),
        Err(e) => Outcome::Err(e),
    }
}
