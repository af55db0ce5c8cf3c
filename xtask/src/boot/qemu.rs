// SPDX-License-Identifier: BSD-2-Clause

//! QEMU: the machine definitions (qemu/<arch>.args) and the runs on them.
//!
//! Every run reads QEMU's output line by line, keeps it in a log file, and stops QEMU (by its
//! process id, never by name) once the caller has seen enough, QEMU exits, or the timeout ends.
//! QEMU is also told to die with the thread that started it, so that an interrupted tool or test
//! leaves no QEMU behind.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::support::process::without_colours;

/// How long a run goes on printing after the line that decided it (a fault report's stack dump).
pub const QUIET_AFTER_END: Duration = Duration::from_millis(150);

/// A machine definition: the QEMU program and its arguments, white-space separated, `#` to the
/// end of a line a comment. An argument may name a boot file as `{name}`, which the runner
/// replaces with its path (boot.rs says which files there are).
#[derive(Debug)]
pub struct Machine {
    program: String,
    args: Vec<String>,
}

impl Machine {
    pub fn load(path: &Path) -> Result<Self> {
        let text = fs::read_to_string(path).with_context(|| path.display().to_string())?;
        Self::parse(&text).with_context(|| path.display().to_string())
    }

    pub fn parse(text: &str) -> Result<Self> {
        let mut words = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or_default())
            .flat_map(str::split_whitespace)
            .map(str::to_owned);
        let program = words.next().context("no QEMU program named")?;
        Ok(Self {
            program,
            args: words.collect(),
        })
    }

    pub fn program(&self) -> &str {
        &self.program
    }

    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// Whether an argument names the boot file `name` (`{name}`).
    pub fn uses(&self, name: &str) -> bool {
        let placeholder = format!("{{{name}}}");
        self.args.iter().any(|a| a.contains(&placeholder))
    }

    /// The QEMU command, with each `{name}` replaced by its file from `files`. A placeholder
    /// with no file is an error that names it.
    pub fn command(&self, files: &[(&str, &Path)]) -> Result<Command> {
        let mut cmd = Command::new(&self.program);
        for arg in &self.args {
            let mut arg = arg.clone();
            for (name, path) in files {
                arg = arg.replace(&format!("{{{name}}}"), &path.display().to_string());
            }
            if let Some(open) = arg.find('{')
                && let Some(len) = arg[open..].find('}')
            {
                let known: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
                bail!(
                    "`{}` names no boot file; there are: {}",
                    &arg[open..=open + len],
                    known.join(", ")
                );
            }
            cmd.arg(arg);
        }
        Ok(cmd)
    }
}

/// What the caller wants after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Continue,
    /// Stop QEMU now.
    Stop,
    /// Stop QEMU once it has printed nothing for [`QUIET_AFTER_END`].
    StopWhenQuiet,
    /// Keep QEMU running, and print [`RunOptions::quiet_note`] once it has printed nothing for
    /// [`QUIET_AFTER_END`] (an interactive run whose program has ended).
    NoteWhenQuiet,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The caller stopped the run.
    Stopped,
    /// QEMU exited by itself.
    Exited(ExitStatus),
    /// The timeout ended the run.
    TimedOut(Duration),
}

pub struct Run {
    pub lines: Vec<String>,
    pub outcome: Outcome,
    /// From QEMU's start to the line that ended the run (or to its end).
    pub elapsed: Duration,
    pub log_path: PathBuf,
}

pub struct RunOptions<'a> {
    /// `None`: no limit (an interactive run, ended by the user).
    pub timeout: Option<Duration>,
    /// Print each line as it comes.
    pub echo: bool,
    /// Hand QEMU this terminal's standard input (for Ctrl-A x); otherwise it gets none.
    pub interactive: bool,
    pub log_path: &'a Path,
    /// For [`Step::NoteWhenQuiet`]: a line for the terminal (standard error).
    pub quiet_note: Option<&'a str>,
}

enum Event {
    Line(String),
    Closed,
}

/// Runs `cmd`, handing each output line (stdout and stderr) to `on_line`.
pub fn run(
    cmd: Command,
    options: &RunOptions,
    on_line: impl FnMut(&str) -> Step,
) -> io::Result<Run> {
    run_to_end(cmd, options, on_line, || {})
}

/// [`run`], with `at_end` called once where the program has ended and QEMU still runs: before a
/// stopped run's QEMU is stopped, or when an interactive run's note is due (before the note).
pub fn run_to_end(
    mut cmd: Command,
    options: &RunOptions,
    mut on_line: impl FnMut(&str) -> Step,
    mut at_end: impl FnMut(),
) -> io::Result<Run> {
    if let Some(dir) = options.log_path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut log = File::create(options.log_path)?;
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if !options.interactive {
        cmd.stdin(Stdio::null());
    }
    // SAFETY: prctl is async-signal-safe; it asks the kernel to kill QEMU when the thread that
    // started it ends, however it ends.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| {
        let program = cmd.get_program().to_string_lossy().into_owned();
        io::Error::new(
            e.kind(),
            format!("cannot start {program}: {e} (`make setup` installs QEMU)"),
        )
    })?;
    let guard = KillOnDrop(&mut child);

    let (tx, rx) = mpsc::channel();
    let stdout = guard.0.stdout.take().expect("stdout is piped");
    let stderr = guard.0.stderr.take().expect("stderr is piped");
    for stream in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut buf = Vec::new();
            while matches!(reader.read_until(b'\n', &mut buf), Ok(n) if n > 0) {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']).to_owned();
                buf.clear();
                if tx.send(Event::Line(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Event::Closed);
        });
    }
    drop(tx);

    let colour = std::io::stdout().is_terminal();
    let deadline = options.timeout.map(|t| started + t);
    let mut quiet_deadline: Option<Instant> = None;
    let mut note_deadline: Option<Instant> = None;
    let mut lines = Vec::new();
    let mut open_streams = 2;
    let mut ended_at = None;
    let mut ended = false;
    let outcome = loop {
        let wait_until = [deadline, quiet_deadline, note_deadline]
            .into_iter()
            .flatten()
            .min();
        let event = match wait_until {
            Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match event {
            Ok(Event::Line(raw)) => {
                // The kernel colours its warnings: the colours stay for a terminal, and go from
                // the log and from the lines the caller reads.
                let line = without_colours(&raw);
                writeln!(log, "{line}")?;
                if options.echo {
                    println!("{}", if colour { &raw } else { &line });
                }
                let step = on_line(&line);
                lines.push(line);
                match step {
                    Step::Continue => {}
                    Step::Stop => {
                        ended_at = Some(started.elapsed());
                        break Outcome::Stopped;
                    }
                    Step::StopWhenQuiet => {
                        ended_at.get_or_insert(started.elapsed());
                        quiet_deadline = Some(Instant::now() + QUIET_AFTER_END);
                    }
                    Step::NoteWhenQuiet => {
                        ended_at.get_or_insert(started.elapsed());
                        note_deadline = Some(Instant::now() + QUIET_AFTER_END);
                    }
                }
                for q in [&mut quiet_deadline, &mut note_deadline]
                    .into_iter()
                    .flatten()
                {
                    *q = Instant::now() + QUIET_AFTER_END;
                }
            }
            Ok(Event::Closed) => {
                open_streams -= 1;
                if open_streams == 0 {
                    break Outcome::Exited(guard.0.wait()?);
                }
            }
            Err(RecvTimeoutError::Disconnected) => break Outcome::Exited(guard.0.wait()?),
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if quiet_deadline.is_some_and(|q| now >= q) {
                    break Outcome::Stopped;
                }
                if note_deadline.is_some_and(|n| now >= n) {
                    note_deadline = None;
                    if !ended {
                        ended = true;
                        at_end();
                    }
                    if let Some(note) = options.quiet_note {
                        eprintln!("{note}");
                    }
                    continue;
                }
                break Outcome::TimedOut(options.timeout.unwrap_or_default());
            }
        }
    };
    if outcome == Outcome::Stopped && !ended {
        at_end();
    }
    drop(guard);
    log.flush()?;
    Ok(Run {
        lines,
        outcome,
        elapsed: ended_at.unwrap_or_else(|| started.elapsed()),
        log_path: options.log_path.to_owned(),
    })
}

/// Stops QEMU (if still running) when the run ends, however it ends.
struct KillOnDrop<'a>(&'a mut Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_comments_and_line_breaks_are_ignored() {
        let m = Machine::parse(
            "# machine\nqemu-system-x86_64\n-cpu Nehalem,+lm  # the CPU\n\n-m 512M\n-nographic\n",
        )
        .unwrap();
        assert_eq!(m.program(), "qemu-system-x86_64");
        assert_eq!(
            m.args(),
            ["-cpu", "Nehalem,+lm", "-m", "512M", "-nographic"]
        );
        assert!(Machine::parse("# nothing\n").is_err());
    }

    #[test]
    fn colours_are_taken_out() {
        let kernel = "\u{1b}[0m\u{1b}[1m<<\u{1b}[0m\u{1b}[32mseL4(CPU 0)\u{1b}[0m\u{1b}[1m [maskVMRights/688]: \
                      Attempted to make unsupported write only mapping>>\u{1b}[0m";
        assert_eq!(
            without_colours(kernel),
            "<<seL4(CPU 0) [maskVMRights/688]: Attempted to make unsupported write only mapping>>"
        );
        assert_eq!(without_colours("Read x: 0"), "Read x: 0");
    }

    #[test]
    fn boot_files_replace_their_placeholders_and_an_unknown_one_is_named() {
        let m = Machine::parse("qemu -kernel {kernel} -device loader,file={image}\n").unwrap();
        assert!(m.uses("image") && !m.uses("trampoline"));
        let cmd = m
            .command(&[
                ("kernel", Path::new("/k.elf")),
                ("image", Path::new("/i.elf")),
            ])
            .unwrap();
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["-kernel", "/k.elf", "-device", "loader,file=/i.elf"]);
        let err = m.command(&[("image", Path::new("/i.elf"))]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`{kernel}` names no boot file; there are: image"
        );
    }

    fn log_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("xtask-qemu-test-{}-{name}.log", std::process::id()))
    }

    /// A run with no terminal and nothing echoed, its log at `log`.
    fn unattended(log: &Path, timeout: Duration) -> RunOptions<'_> {
        RunOptions {
            timeout: Some(timeout),
            echo: false,
            interactive: false,
            log_path: log,
            quiet_note: None,
        }
    }

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        cmd
    }

    #[test]
    fn a_run_stops_when_the_caller_has_seen_enough_and_the_process_is_gone() {
        let log = log_path("stop");
        let options = unattended(&log, Duration::from_secs(20));
        let run = run(
            sh("echo $$; echo one; echo two; exec sleep 30"),
            &options,
            |l| {
                if l == "two" {
                    Step::Stop
                } else {
                    Step::Continue
                }
            },
        )
        .unwrap();
        assert_eq!(run.outcome, Outcome::Stopped);
        assert!(run.elapsed < Duration::from_secs(10));
        let pid: i32 = run.lines[0].parse().unwrap();
        // SAFETY: signal 0 only checks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) };
        assert_eq!(alive, -1, "the child process is still alive");
        assert_eq!(
            fs::read_to_string(&log).unwrap(),
            format!("{pid}\none\ntwo\n")
        );
        let _ = fs::remove_file(log);
    }

    #[test]
    fn a_silent_process_times_out() {
        let log = log_path("timeout");
        let options = unattended(&log, Duration::from_millis(300));
        let run = run(sh("exec sleep 30"), &options, |_| Step::Continue).unwrap();
        assert_eq!(run.outcome, Outcome::TimedOut(Duration::from_millis(300)));
        let _ = fs::remove_file(log);
    }

    #[test]
    fn stop_when_quiet_collects_the_rest_of_a_report() {
        let log = log_path("quiet");
        let options = unattended(&log, Duration::from_secs(20));
        let run = run(
            sh("echo end; echo stack1; echo stack2; exec sleep 30"),
            &options,
            |l| {
                if l == "end" {
                    Step::StopWhenQuiet
                } else {
                    Step::Continue
                }
            },
        )
        .unwrap();
        assert_eq!(run.outcome, Outcome::Stopped);
        assert_eq!(run.lines, ["end", "stack1", "stack2"]);
        let _ = fs::remove_file(log);
    }

    #[test]
    fn an_exit_is_reported_with_stderr_in_the_log() {
        let log = log_path("exit");
        let options = unattended(&log, Duration::from_secs(20));
        let run = run(sh("echo oops >&2; exit 3"), &options, |_| Step::Continue).unwrap();
        assert!(matches!(run.outcome, Outcome::Exited(s) if s.code() == Some(3)));
        assert_eq!(run.lines, ["oops"]);
        let _ = fs::remove_file(log);
    }
}
