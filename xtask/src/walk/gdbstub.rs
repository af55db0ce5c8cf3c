// SPDX-License-Identifier: BSD-2-Clause

//! A client of QEMU's gdb stub, for what `make walk` needs of it and no more: a breakpoint, a
//! register by name, physical memory (QEMU's `Qqemu.PhyMemMode`). The remote protocol: packets
//! `$data#checksum`, each acknowledged with `+`; Ctrl-C (0x03) stops a running machine.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub struct Stub {
    stream: UnixStream,
    received: Vec<u8>,
}

impl Stub {
    /// Connects to the stub at the Unix socket `path`, waiting up to `patience` for QEMU to make it.
    pub fn connect(path: &Path, patience: Duration) -> Result<Self> {
        let until = Instant::now() + patience;
        let stream = loop {
            match UnixStream::connect(path) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() < until => {
                    if !matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) {
                        return Err(e).context(format!(
                            "cannot reach QEMU's gdb stub at {}",
                            path.display()
                        ));
                    }
                    thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(e).context(format!(
                        "QEMU's gdb stub did not appear at {} within {patience:?}",
                        path.display()
                    ));
                }
            }
        };
        let mut stub = Self {
            stream,
            received: Vec::new(),
        };
        stub.set_patience(Duration::from_secs(5))?;
        Ok(stub)
    }

    /// How long a reply may take.
    pub fn set_patience(&mut self, patience: Duration) -> Result<()> {
        self.stream.set_read_timeout(Some(patience))?;
        Ok(())
    }

    fn send(&mut self, data: &str) -> Result<()> {
        let sum = data.bytes().fold(0u8, u8::wrapping_add);
        self.stream
            .write_all(format!("${data}#{sum:02x}").as_bytes())
            .context("QEMU's gdb stub has gone")
    }

    /// The next packet from the stub (acknowledged), with `}` escapes undone.
    fn receive(&mut self) -> Result<String> {
        loop {
            if let Some(start) = self.received.iter().position(|&b| b == b'$')
                && let Some(end) = self.received[start..].iter().position(|&b| b == b'#')
                && self.received.len() >= start + end + 3
            {
                let body = self.received[start + 1..start + end].to_vec();
                self.received.drain(..start + end + 3);
                self.stream.write_all(b"+")?;
                let mut data = Vec::with_capacity(body.len());
                let mut bytes = body.into_iter();
                while let Some(b) = bytes.next() {
                    match b {
                        b'}' => data.extend(bytes.next().map(|e| e ^ 0x20)),
                        b => data.push(b),
                    }
                }
                return Ok(String::from_utf8_lossy(&data).into_owned());
            }
            let mut buf = [0u8; 4096];
            match self.stream.read(&mut buf) {
                Ok(0) => bail!("QEMU's gdb stub closed the connection"),
                Ok(n) => self.received.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    bail!("QEMU's gdb stub did not answer in time")
                }
                Err(e) => return Err(e).context("QEMU's gdb stub"),
            }
        }
    }

    /// Sends `data` and returns the reply; an error reply (`E..`) is an error.
    pub fn request(&mut self, data: &str) -> Result<String> {
        self.send(data)?;
        let reply = self.receive()?;
        if reply.starts_with('E') && reply.len() == 3 {
            bail!("QEMU's gdb stub refused `{data}`: {reply}");
        }
        Ok(reply)
    }

    /// The number of the register called `name` in the stub's target description.
    pub fn register_number(&mut self, name: &str) -> Result<usize> {
        let mut registers = Vec::new();
        self.describe("target.xml", &mut registers)?;
        registers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, number)| *number)
            .with_context(|| format!("QEMU's gdb stub has no register {name}"))
    }

    /// The registers of the description `file` and the files it includes, numbered as gdb does.
    fn describe(&mut self, file: &str, registers: &mut Vec<(String, usize)>) -> Result<()> {
        let mut text = String::new();
        loop {
            let reply = self.request(&format!(
                "qXfer:features:read:{file}:{:x},{:x}",
                text.len(),
                0x800
            ))?;
            let (kind, data) = reply.split_at(reply.len().min(1));
            text.push_str(data);
            match kind {
                "m" => continue,
                "l" => break,
                _ => bail!("QEMU's gdb stub cannot describe its registers ({file}: `{reply}`)"),
            }
        }
        for tag in text.split('<').skip(1) {
            if let Some(rest) = tag.strip_prefix("xi:include") {
                if let Some(href) = attribute(rest, "href") {
                    self.describe(&href, registers)?;
                }
            } else if let Some(rest) = tag.strip_prefix("reg ") {
                let number = match attribute(rest, "regnum") {
                    Some(n) => n.parse().context("a register number")?,
                    None => registers.last().map_or(0, |(_, n)| n + 1),
                };
                let name = attribute(rest, "name").unwrap_or_default();
                registers.push((name, number));
            }
        }
        Ok(())
    }

    /// Register `number`'s value (little-endian, as QEMU sends it).
    pub fn read_register(&mut self, number: usize) -> Result<u64> {
        let reply = self.request(&format!("p{number:x}"))?;
        Ok(little_endian(&hex_bytes(&reply)?))
    }

    /// What the QEMU monitor prints for `command` (`info registers`).
    pub fn monitor(&mut self, command: &str) -> Result<String> {
        let hex: String = command.bytes().map(|b| format!("{b:02x}")).collect();
        self.send(&format!("qRcmd,{hex}"))?;
        let mut text = Vec::new();
        loop {
            match self.receive()?.as_str() {
                "OK" => return Ok(String::from_utf8_lossy(&text).into_owned()),
                output if output.starts_with('O') => text.extend(hex_bytes(&output[1..])?),
                other => bail!("QEMU's monitor answered `{command}` with `{other}`"),
            }
        }
    }

    pub fn set_breakpoint(&mut self, address: u64) -> Result<()> {
        self.expect_ok(&format!("Z0,{address:x},4"))
    }

    pub fn remove_breakpoint(&mut self, address: u64) -> Result<()> {
        self.expect_ok(&format!("z0,{address:x},4"))
    }

    /// Lets the machine run; [`Self::wait_for_stop`] or [`Self::interrupt`] then takes its stop.
    pub fn resume(&mut self) -> Result<()> {
        self.send("c")
    }

    /// The stop reply once the machine stops (a breakpoint).
    pub fn wait_for_stop(&mut self) -> Result<String> {
        self.receive()
    }

    /// Stops the running machine.
    pub fn interrupt(&mut self) -> Result<String> {
        self.stream.write_all(&[0x03])?;
        self.receive()
    }

    /// From now on, memory addresses are physical.
    pub fn physical_memory(&mut self) -> Result<()> {
        self.expect_ok("Qqemu.PhyMemMode:1")
    }

    pub fn read_memory(&mut self, address: u64, len: usize) -> Result<Vec<u8>> {
        let reply = self.request(&format!("m{address:x},{len:x}"))?;
        let bytes = hex_bytes(&reply)?;
        if bytes.len() != len {
            bail!(
                "QEMU's gdb stub sent {} bytes of {len} at {address:#x}",
                bytes.len()
            );
        }
        Ok(bytes)
    }

    /// Lets the machine run on, without the stub.
    pub fn detach(mut self) -> Result<()> {
        self.expect_ok("D")
    }

    fn expect_ok(&mut self, data: &str) -> Result<()> {
        match self.request(data)?.as_str() {
            "OK" => Ok(()),
            other => bail!("QEMU's gdb stub answered `{data}` with `{other}`"),
        }
    }
}

/// `name="value"` in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

fn hex_bytes(text: &str) -> Result<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        bail!("not hexadecimal bytes: `{text}`");
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&text[i..i + 2], 16)
                .with_context(|| format!("not hexadecimal bytes: `{text}`"))
        })
        .collect()
}

/// Up to 8 bytes as a little-endian number.
pub fn little_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .rev()
        .fold(0, |value, &b| value << 8 | u64::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_decode() {
        assert_eq!(
            little_endian(&hex_bytes("0020e0ff00000000").unwrap()),
            0xffe0_2000
        );
        assert_eq!(little_endian(&hex_bytes("02cf4f80").unwrap()), 0x804f_cf02);
        assert!(hex_bytes("0g").is_err() && hex_bytes("abc").is_err());
        assert_eq!(
            attribute(r#"reg name="satp" bitsize="64" regnum="450"/>"#, "regnum").as_deref(),
            Some("450")
        );
    }

    /// The protocol against a stub played by a thread: acknowledgements, checksums, escapes,
    /// registers numbered across included files.
    #[test]
    fn a_register_is_found_by_name_and_read() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let server = thread::spawn(move || {
            let mut theirs = theirs;
            let reply = |stream: &mut UnixStream, data: &str| {
                let mut got = Vec::new();
                let mut byte = [0u8];
                while !got.ends_with(b"#") {
                    stream.read_exact(&mut byte).unwrap();
                    got.push(byte[0]);
                }
                let mut sum = [0u8; 2];
                stream.read_exact(&mut sum).unwrap();
                let s = data.bytes().fold(0u8, u8::wrapping_add);
                stream
                    .write_all(format!("+${data}#{s:02x}").as_bytes())
                    .unwrap();
                stream.read_exact(&mut byte).unwrap();
                assert_eq!(byte[0], b'+');
                String::from_utf8(got).unwrap()
            };
            let asked = reply(
                &mut theirs,
                r#"l<target><xi:include href="a.xml"/><xi:include href="b.xml"/></target>"#,
            );
            assert!(asked.contains("target.xml"));
            reply(
                &mut theirs,
                r#"l<feature><reg name="x0" bitsize="64"/><reg name="x1"/></feature>"#,
            );
            reply(
                &mut theirs,
                r#"l<feature><reg name="cr3" regnum="40"/><reg name="cr}d"/></feature>"#,
            );
            let asked = reply(&mut theirs, "0110000000000000");
            assert!(asked.ends_with("$p28#"), "{asked}");
        });
        let mut stub = Stub {
            stream: ours,
            received: Vec::new(),
        };
        assert_eq!(stub.register_number("cr3").unwrap(), 40);
        assert_eq!(stub.read_register(40).unwrap(), 0x1001);
        server.join().unwrap();
    }
}
