// SPDX-License-Identifier: BSD-2-Clause

//! What the kernel answered to one invocation or one access: what a case expects and gets, with
//! everything the kernel says with it. Both the cases (case.rs) and their environment (env.rs)
//! speak of it.

use core::fmt;

use sel4::sys::seL4_LookupFailureType;

use crate::arch;
use crate::fault::{Cause, Direction, Fault};

/// What an invocation did, or what an access made by a probe thread ([`crate::env::Env::probe`])
/// did, with what the kernel says besides the error's name:
/// - `seL4_InvalidArgument` and `seL4_InvalidCapability`: which argument or capability (message
///   register 0; arguments count from 0 after the invoked capability, capabilities from 0 for the
///   first one passed with the invocation);
/// - `seL4_FailedLookup`: a mapping's failed lookup is never the source capability's (message
///   register 0 is 0) and always a missing capability (register 1), with the number of address
///   bits the kernel could not resolve (register 2: the tutorial's "level"); anything else is
///   [`Outcome::OtherLookup`];
/// - a VM fault: at the probed address (a fault elsewhere fails the case), with its status,
///   decoded for the architecture ([`Fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `seL4_NoError`, before the case has looked at what the kernel did: a case that expects
    /// success shows the effect ([`Outcome::Seen`]), so a NoError that did nothing fails it (the
    /// host fails a passed case that answers a bare NoError).
    Ok,
    /// `seL4_NoError`, and the effect the case then saw.
    Seen(Effect),
    /// An error that the kernel says nothing more about.
    Err(sel4::Error),
    InvalidArgument(sel4::Word),
    InvalidCapability(sel4::Word),
    /// `seL4_RangeError`, with the range it says is valid (message registers 0 and 1), as the
    /// case gives it: offsets from an address the case names ([`Outcome::relative_to`]), or as
    /// the kernel gave them.
    RangeError {
        min: sel4::Word,
        max: sel4::Word,
    },
    Lookup(sel4::Word),
    /// A failed lookup that is not a mapping's: its source flag and failure type.
    OtherLookup {
        source: sel4::Word,
        kind: sel4::Word,
    },
    VmFault(Fault),
    NoFault,
    /// An instruction fetch ran the code the case wrote at the address: the probe stopped at the
    /// code's trap, this many bytes in (the user exception's address, which a zeroed page, whose
    /// first word traps or runs on, does not give).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    Ran(usize),
}

/// What a case that expects success saw of it afterwards, for the kernel's NoError to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A read at the address gives the word the case wrote into the frame (through another
    /// mapping, or before): that frame is mapped there.
    ReadsTheFrame,
    /// A write at the address reads back: the mapping is there, and writable.
    ReadsAndWrites,
    /// Reads work and a write faults: the mapping is there, read-only.
    ReadOnly,
    /// A frame maps below the structure, with nothing else in between: the structure is at the
    /// address (or, for a structure at an unaligned address, at the start of its span).
    FrameMapsBelow,
    /// The structure is in the second VSpace: a frame maps below it there.
    FrameMapsBelowInTheSecondVSpace,
    /// A table maps into the VSpace: it has its ASID.
    TakesMappings,
    /// GetAddress gives one page-aligned address, mapped or not, through any capability.
    OneAddress,
    /// GetAddress gives an address aligned to the page's size.
    AlignedAddress,
    /// A read gives the device's own value, not a cleared frame's.
    ReadsTheDevice,
    /// The frame's capability maps at another address: it is unmapped.
    CapMapsAgain,
    /// After the cache maintenance the page still reads what was written to it.
    KeepsItsContents,
    /// The page is mapped for the kernel alone: the thread can neither read nor write it.
    KernelOnly,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Effect::ReadsTheFrame => "a read there gives the frame's own word",
            Effect::ReadsAndWrites => "a write there reads back",
            Effect::ReadOnly => "a read there works and a write faults",
            Effect::FrameMapsBelow => "a frame maps below it",
            Effect::FrameMapsBelowInTheSecondVSpace => "a frame maps below it in that VSpace",
            Effect::TakesMappings => "a table maps into it",
            Effect::OneAddress => "GetAddress gives one page-aligned address",
            Effect::AlignedAddress => "GetAddress gives an address aligned to its size",
            Effect::ReadsTheDevice => "a read gives the device's value",
            Effect::CapMapsAgain => "the capability maps at another address",
            Effect::KeepsItsContents => "the page still reads what was written to it",
            Effect::KernelOnly => "a read there faults",
        })
    }
}

impl Outcome {
    /// A VM fault of `direction` for `cause`, as the architecture reports it: on RISC-V the cause
    /// is not reported ([`Cause::Unsaid`]).
    /// A `seL4_RangeError`'s bounds as offsets from `address`; any other outcome as it is.
    #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
    pub fn relative_to(self, address: usize) -> Self {
        match self {
            Outcome::RangeError { min, max } => Outcome::RangeError {
                min: min.wrapping_sub(address as sel4::Word),
                max: max.wrapping_sub(address as sel4::Word),
            },
            other => other,
        }
    }

    pub const fn fault(direction: Direction, cause: Cause) -> Self {
        let cause = match arch::FAULT_CAUSE_REPORTED {
            true => cause,
            false => Cause::Unsaid,
        };
        Outcome::VmFault(Fault { direction, cause })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let direction = match self.direction {
            Direction::Read => "read",
            Direction::Write => "write",
            Direction::Fetch => "instruction fetch",
        };
        match self.cause {
            Cause::NotMapped => write!(
                f,
                "a VM fault: {} {direction} where nothing is mapped",
                article(direction)
            ),
            Cause::NoRight => write!(
                f,
                "a VM fault: {} {direction} the mapping does not allow",
                article(direction)
            ),
            Cause::Unsaid => write!(
                f,
                "a VM fault: {} {direction} access fault",
                article(direction)
            ),
        }
    }
}

/// "a" or "an" before `word`.
fn article(word: &str) -> &'static str {
    match word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            // libsel4's name for "no error", so that both sides of a mismatch read alike.
            Outcome::Ok => f.write_str("seL4_NoError"),
            Outcome::Seen(effect) => write!(f, "seL4_NoError, then {effect}"),
            Outcome::RangeError { min, max } => {
                write!(f, "seL4_RangeError (valid {min:#x} to {max:#x})")
            }
            Outcome::Ran(offset) => write!(
                f,
                "no fault: ran the code written there, to its trap {offset} bytes in"
            ),
            Outcome::Err(e) => f.write_str(mapping_tutorial::c_name(*e)),
            Outcome::InvalidArgument(n) => write!(f, "seL4_InvalidArgument (argument {n})"),
            Outcome::InvalidCapability(n) => write!(f, "seL4_InvalidCapability (capability {n})"),
            Outcome::Lookup(level) => write!(f, "seL4_FailedLookup at level {level}"),
            Outcome::OtherLookup { source, kind } => {
                // libsel4's seL4_LookupFailureType, in its order.
                let name = match kind {
                    1 => "seL4_InvalidRoot",
                    2 => "seL4_MissingCapability",
                    3 => "seL4_DepthMismatch",
                    4 => "seL4_GuardMismatch",
                    _ => "an unknown failure type",
                };
                let of = if *source == 0 {
                    "not the source"
                } else {
                    "the source"
                };
                write!(f, "seL4_FailedLookup: {name} ({of})")
            }
            Outcome::VmFault(fault) => fault.fmt(f),
            Outcome::NoFault => f.write_str("no fault"),
        }
    }
}

/// Turns an invocation's result into an [`Outcome`]. Must be called straight after the
/// invocation: what the kernel says with an error lives in message registers that the next one
/// overwrites.
pub fn outcome(result: sel4::Result<()>) -> Outcome {
    let register = |n: usize| sel4::with_ipc_buffer(|ipc_buffer| ipc_buffer.msg_regs()[n]);
    match result {
        Ok(()) => Outcome::Ok,
        Err(sel4::Error::FailedLookup) => {
            let (source, kind) = (register(0), register(1));
            let missing = seL4_LookupFailureType::seL4_MissingCapability as sel4::Word;
            match (source, kind) {
                (0, kind) if kind == missing => {
                    Outcome::Lookup(register(sel4::sys::SEL4_MAPPING_LOOKUP_LEVEL as usize))
                }
                _ => Outcome::OtherLookup { source, kind },
            }
        }
        Err(sel4::Error::InvalidArgument) => Outcome::InvalidArgument(register(0)),
        Err(sel4::Error::InvalidCapability) => Outcome::InvalidCapability(register(0)),
        Err(sel4::Error::RangeError) => Outcome::RangeError {
            min: register(0),
            max: register(1),
        },
        Err(e) => Outcome::Err(e),
    }
}
