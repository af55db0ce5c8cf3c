// SPDX-License-Identifier: BSD-2-Clause

use core::fmt;
use core::panic::Location;

/// Why the tutorial stopped: what it was doing, the kernel's error if there was one, and where in
/// the source it happened.
///
/// Returned from `main`, it is printed by `sel4-root-task` as
/// `main thread terminated with error: Failed to map page: seL4_FailedLookup at src/main.rs:63:12`.
pub struct Failure {
    what: &'static str,
    error: Option<sel4::Error>,
    location: &'static Location<'static>,
}

impl Failure {
    /// A failure that is not a kernel error (for example: no empty slot left).
    #[track_caller]
    pub fn new(what: &'static str) -> Self {
        Self {
            what,
            error: None,
            location: Location::caller(),
        }
    }

    /// The kernel's error, if the failure came from an invocation.
    pub fn error(&self) -> Option<sel4::Error> {
        self.error
    }
}

/// Adds what was being done, and where, to a kernel error: `.context("Failed to map page")?`.
pub trait Context<T> {
    #[track_caller]
    fn context(self, what: &'static str) -> Result<T, Failure>;
}

impl<T> Context<T> for sel4::Result<T> {
    #[track_caller]
    fn context(self, what: &'static str) -> Result<T, Failure> {
        let location = Location::caller();
        self.map_err(|error| Failure {
            what,
            error: Some(error),
            location,
        })
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.what)?;
        if let Some(error) = self.error {
            write!(f, ": {}", c_name(error))?;
        }
        write!(f, " at {}", self.location)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The libsel4 name of a kernel error, as the seL4 manual and the C tutorial spell it.
pub fn c_name(error: sel4::Error) -> &'static str {
    use sel4::Error::*;
    match error {
        InvalidArgument => "seL4_InvalidArgument",
        InvalidCapability => "seL4_InvalidCapability",
        IllegalOperation => "seL4_IllegalOperation",
        RangeError => "seL4_RangeError",
        AlignmentError => "seL4_AlignmentError",
        FailedLookup => "seL4_FailedLookup",
        TruncatedMessage => "seL4_TruncatedMessage",
        DeleteFirst => "seL4_DeleteFirst",
        RevokeFirst => "seL4_RevokeFirst",
        NotEnoughMemory => "seL4_NotEnoughMemory",
    }
}
