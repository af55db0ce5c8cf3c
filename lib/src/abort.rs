// SPDX-License-Identifier: BSD-2-Clause

//! How the root task stops after a panic. `sel4-runtime-common`'s default ends on a trapping
//! instruction, which the debug kernel reports as a fault with a register and stack dump right
//! under the panic message, as if the program had crashed a second time. Here the reason is
//! printed as a plain line and the root task suspends itself: the panic message is the last thing
//! a learner sees.

use sel4_panicking_env::AbortInfo;

sel4_panicking_env::register_abort_hook!(print_abort_reason);

fn print_abort_reason(info: Option<&AbortInfo>) {
    match info.and_then(AbortInfo::message) {
        Some(message) => sel4::debug_println!("{message}"),
        None => sel4::debug_println!("aborted"),
    }
}

sel4_panicking_env::register_abort_trap!(suspend_root_task);

fn suspend_root_task() -> ! {
    sel4::init_thread::suspend_self()
}
