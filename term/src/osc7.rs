//! OSC 7, the working directory a shell reports (`ESC ] 7 ; file://host/path BEL`).
//!
//! alacritty_terminal ignores OSC 7, so the parser thread scans the raw output for it. Only
//! reports from this machine count (no host, `localhost` or our host name): a shell on the
//! far side of `ssh` or inside a container reports paths that do not exist here.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;

const START: &[u8] = b"\x1b]7;";
const BEL: u8 = 0x07;
const ESC: u8 = 0x1b;
/// A report longer than this is not a path; it is dropped rather than buffered.
const MAX_REPORT: usize = 4096;

/// Finds OSC 7 reports in a stream that arrives in chunks; a report may be cut anywhere.
#[derive(Debug)]
pub struct Osc7Scanner {
    /// The unfinished end of the last chunk: a report without its terminator, or bytes that
    /// may begin `START`.
    carry: Vec<u8>,
    host: Option<String>,
}

impl Osc7Scanner {
    pub fn new() -> Self {
        let host = nix::unistd::gethostname()
            .ok()
            .and_then(|name| name.into_string().ok());
        Self::with_host(host)
    }

    fn with_host(host: Option<String>) -> Self {
        Self {
            carry: Vec::new(),
            host,
        }
    }

    /// Scans the next chunk; returns the directory of the last complete local report in it.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<PathBuf> {
        if self.carry.is_empty() {
            return self.scan(bytes);
        }
        let mut joined = std::mem::take(&mut self.carry);
        joined.extend_from_slice(bytes);
        self.scan(&joined)
    }

    fn scan(&mut self, data: &[u8]) -> Option<PathBuf> {
        let mut found = None;
        let mut at = 0;
        loop {
            let Some(start) = memchr::memmem::find(&data[at..], START).map(|i| at + i) else {
                self.carry_possible_start(&data[at..]);
                return found;
            };
            let payload = start + START.len();
            let Some(end) = memchr::memchr2(BEL, ESC, &data[payload..]).map(|i| payload + i) else {
                if data.len() - start <= MAX_REPORT {
                    self.carry = data[start..].to_vec();
                }
                return found;
            };
            // BEL or ST (`ESC \`) ends the string; any other ESC cancels it.
            let cancelled = data[end] == ESC && data.get(end + 1).is_some_and(|&b| b != b'\\');
            if !cancelled && let Some(path) = self.local_path(&data[payload..end]) {
                found = Some(path);
            }
            at = end + 1;
        }
    }

    /// Keeps a chunk's last bytes when they are the beginning of `START`.
    fn carry_possible_start(&mut self, tail: &[u8]) {
        for keep in (1..START.len()).rev() {
            if tail.len() >= keep && tail.ends_with(&START[..keep]) {
                self.carry = START[..keep].to_vec();
                return;
            }
        }
    }

    /// The path of a `file://host/path` URL whose host is this machine.
    fn local_path(&self, url: &[u8]) -> Option<PathBuf> {
        let rest = url.strip_prefix(b"file://")?;
        let slash = rest.iter().position(|&b| b == b'/')?;
        let (host, path) = rest.split_at(slash);
        let local = host.is_empty()
            || host.eq_ignore_ascii_case(b"localhost")
            || self
                .host
                .as_deref()
                .is_some_and(|ours| host.eq_ignore_ascii_case(ours.as_bytes()));
        if !local {
            return None;
        }
        let decoded = percent_decode(path)?;
        Some(PathBuf::from(OsString::from_vec(decoded)))
    }
}

impl Default for Osc7Scanner {
    fn default() -> Self {
        Self::new()
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a NUL byte.
fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = match bytes[index] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
                index += 2;
                u8::from_str_radix(hex, 16).ok()?
            }
            byte => byte,
        };
        if byte == 0 {
            return None;
        }
        out.push(byte);
        index += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> Osc7Scanner {
        Osc7Scanner::with_host(Some("devbox".to_owned()))
    }

    fn path(text: &str) -> Option<PathBuf> {
        Some(PathBuf::from(text))
    }

    #[test]
    fn reads_reports_ended_by_bel_or_st() {
        let mut scanner = scanner();
        assert_eq!(scanner.feed(b"$ \x1b]7;file:///tmp\x07"), path("/tmp"));
        assert_eq!(
            scanner.feed(b"x\x1b]7;file://localhost/usr/share\x1b\\$ "),
            path("/usr/share")
        );
        assert_eq!(scanner.feed(b"plain output"), None);
    }

    #[test]
    fn the_last_report_of_a_chunk_wins() {
        let mut scanner = scanner();
        let chunk = b"\x1b]7;file:///a\x07 text \x1b]7;file:///b\x07";
        assert_eq!(scanner.feed(chunk), path("/b"));
    }

    #[test]
    fn only_this_machine_counts() {
        let mut scanner = scanner();
        assert_eq!(scanner.feed(b"\x1b]7;file://DevBox/srv\x07"), path("/srv"));
        assert_eq!(scanner.feed(b"\x1b]7;file://far-away/srv\x07"), None);
        assert_eq!(scanner.feed(b"\x1b]7;http://devbox/srv\x07"), None);
        assert_eq!(scanner.feed(b"\x1b]7;file://devbox\x07"), None);
    }

    #[test]
    fn decodes_percent_escapes() {
        let mut scanner = scanner();
        assert_eq!(
            scanner.feed(b"\x1b]7;file:///home/me/my%20dir/%C3%A9t%C3%A9\x07"),
            path("/home/me/my dir/\u{e9}t\u{e9}")
        );
        assert_eq!(scanner.feed(b"\x1b]7;file:///bad%2\x07"), None);
        assert_eq!(scanner.feed(b"\x1b]7;file:///nul%00here\x07"), None);
    }

    #[test]
    fn a_cancelled_report_is_ignored() {
        let mut scanner = scanner();
        assert_eq!(scanner.feed(b"\x1b]7;file:///tmp\x1b[0m"), None);
    }

    #[test]
    fn a_report_cut_at_any_byte_is_still_found() {
        let stream: &[u8] = b"ls\r\n\x1b[1mout\x1b[0m\r\n\x1b]7;file://devbox/var/log\x1b\\$ ";
        for cut in 0..=stream.len() {
            let mut scanner = scanner();
            let first = scanner.feed(&stream[..cut]);
            let second = scanner.feed(&stream[cut..]);
            assert_eq!(first.or(second), path("/var/log"), "cut at {cut}");
        }
    }

    #[test]
    fn an_endless_report_is_dropped_not_buffered() {
        let mut scanner = scanner();
        let mut chunk = b"\x1b]7;file:///".to_vec();
        chunk.extend(std::iter::repeat_n(b'a', MAX_REPORT * 2));
        assert_eq!(scanner.feed(&chunk), None);
        assert!(scanner.carry.is_empty());
        assert_eq!(scanner.feed(b"\x1b]7;file:///ok\x07"), path("/ok"));
    }
}
