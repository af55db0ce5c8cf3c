// SPDX-License-Identifier: BSD-2-Clause

//! What a learner's file does, told back to them: which stage its run shows and what comes next
//! ([`observed`], for `make status` and `make simulate`'s closing lines), and a stage's solution
//! as a diff against their file ([`solutions`], `make solution`).

pub mod observed;
pub mod solutions;
