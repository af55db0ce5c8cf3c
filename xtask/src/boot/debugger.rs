// SPDX-License-Identifier: BSD-2-Clause

//! gdb on the root task: QEMU starts halted with its gdb stub on a loopback port, and gdb loads
//! the root task's symbols, connects, and stops at its `main`; it stops again where the program
//! ends (it suspends itself) and says so, so that the learner knows to `quit`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};

use crate::image::{Image, Source};

/// The port `make simulate GDB=1` and `make gdb` agree on unless told otherwise (GDB_PORT).
pub const DEFAULT_PORT: u16 = 1234;

/// QEMU arguments: halt before the first instruction, serve gdb on `port` (of 127.0.0.1 unless
/// published from a container: [`crate::project::listen_address`]).
pub fn qemu_args(port: u16) -> [String; 3] {
    let address = crate::project::listen_address();
    ["-S".into(), "-gdb".into(), format!("tcp:{address}:{port}")]
}

/// The commands gdb runs first: no paging and no questions (`quit` leaves at once), connect,
/// break at `main` (once: a breakpoint that stayed could be reported again when QEMU, slowed
/// down, delivers the timer's interrupt as gdb steps past it) and where the program ends (at each
/// of `ends`, the addresses of sel4::init_thread::suspend_self), run to `main`. A Python stop
/// handler says where the program stopped and how to go on.
fn script(source: &Source, port: u16, ends: &[u64]) -> String {
    let ends: String = ends.iter().map(|a| format!("break *{a:#x}\n")).collect();
    format!(
        r#"set pagination off
set confirm off
target remote 127.0.0.1:{port}
tbreak {main}
{ends}python
def _where(event):
    for breakpoint in getattr(event, "breakpoints", []):
        if breakpoint.location.startswith("*"):
            print("==> The program has ended: it suspends itself here. Leave gdb with `quit`.")
        elif breakpoint.location == "{main}":
            print("==> At main. `next` runs a line, `step` goes into a call, `continue` runs on,")
            print("    `info locals` shows the variables; Ctrl-C stops the program, `quit` leaves.")
gdb.events.stop.connect(_where)
end
continue
"#,
        main = source.main_symbol()
    )
}

/// gdb (the one for the image's architecture), with the root task's symbols and the commands of
/// [`script`], written to `dir`.
pub fn gdb_command(image: &Image, source: &Source, port: u16, dir: &Path) -> io::Result<Command> {
    fs::create_dir_all(dir)?;
    let path: PathBuf = dir.join("gdb-commands");
    let ends = suspend_self_addresses(&fs::read(&image.root_task)?);
    fs::write(&path, script(source, port, &ends))?;
    let mut cmd = Command::new(image.arch.gdb);
    cmd.arg("-q").arg("-x").arg(path).arg(&image.root_task);
    Ok(cmd)
}

/// Where the program ends: every instance of `sel4::init_thread::suspend_self` (one for each
/// type it returns), which the program calls last, on success and after an error alike. By
/// address: gdb cannot name a generic function's instances.
fn suspend_self_addresses(elf: &[u8]) -> Vec<u64> {
    let Ok(file) = object::File::parse(elf) else {
        return Vec::new();
    };
    // The mangled path, legacy (`_ZN4sel411init_thread12suspend_self...`) or v0 alike.
    file.symbols()
        .filter(|s| {
            s.name()
                .is_ok_and(|n| n.contains("4sel411init_thread12suspend_self"))
        })
        .map(|s| s.address())
        .collect()
}

/// Whether something listens on `port` of 127.0.0.1 or of every address (QEMU's gdb stub), read
/// from the kernel's socket table rather than by connecting: a connection that comes and goes
/// would let a halted QEMU run on.
pub fn is_listening(port: u16) -> bool {
    let Ok(table) = fs::read_to_string("/proc/net/tcp") else {
        return false;
    };
    // `sl local_address rem_address st ...`: 127.0.0.1:port is 0100007F:<port in hex>, LISTEN is 0A.
    let local = format!("0100007F:{port:04X}");
    let any = format!("00000000:{port:04X}");
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() > 3 && (fields[1] == local || fields[1] == any) && fields[3] == "0A"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_listening_port_is_seen_and_a_free_one_is_not() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(is_listening(port));
        drop(listener);
        // A process that another test forks in the meantime holds a copy of the socket until it
        // executes its program (the socket is close-on-exec): give it a moment.
        let freed = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            !is_listening(port)
        });
        assert!(
            freed,
            "port {port} still listening 2 s after its listener closed"
        );
    }
}
