//! Reading JSONL files line by line from an offset, leniently: long lines are skipped without
//! being held, bytes that are not UTF-8 are replaced, and a last line without its newline is
//! left for the next read unless it is already complete JSON.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use super::transcript::LineCounts;

/// The longest line a reader parses. Longer ones (a 50 MB tool result) are counted in
/// `too_long` and skipped as they stream past, so memory stays bounded.
pub(crate) const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// The buffer size for reading transcripts.
const READ_BUFFER_BYTES: usize = 1024 * 1024;

/// What a reader made of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineOutcome {
    Understood,
    UnknownType,
    Malformed,
}

/// Where reading stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinesRead {
    /// The end of the last line handed over (the next read starts here).
    pub end_offset: u64,
    /// Bytes read from the file.
    pub bytes_read: u64,
}

/// Calls `each` with every complete line of `file` between `start` and `length`, counting
/// the outcomes in `counts`. Empty lines are ignored.
pub(crate) fn read_lines(
    file: File,
    start: u64,
    length: u64,
    counts: &mut LineCounts,
    mut each: impl FnMut(&str) -> LineOutcome,
) -> io::Result<LinesRead> {
    let mut file = file;
    file.seek(SeekFrom::Start(start))?;
    let budget = length.saturating_sub(start);
    let mut reader = BufReader::with_capacity(READ_BUFFER_BYTES, file.take(budget));
    let mut splitter = Splitter::new(start);
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        let used = splitter.feed(buffer, counts, &mut each);
        reader.consume(used);
    }
    splitter.finish(counts, &mut each);
    Ok(LinesRead {
        end_offset: splitter.end_offset,
        bytes_read: splitter.offset - start,
    })
}

/// Cuts a stream of buffers into lines.
struct Splitter {
    /// A line begun in an earlier buffer.
    partial: Vec<u8>,
    /// The current line is too long and is being skipped to its newline.
    skipping: bool,
    offset: u64,
    end_offset: u64,
}

impl Splitter {
    fn new(start: u64) -> Self {
        Self {
            partial: Vec::new(),
            skipping: false,
            offset: start,
            end_offset: start,
        }
    }

    /// Handles what `buffer` holds up to and including its first newline (or all of it);
    /// returns how many bytes were used.
    fn feed(
        &mut self,
        buffer: &[u8],
        counts: &mut LineCounts,
        each: &mut impl FnMut(&str) -> LineOutcome,
    ) -> usize {
        let Some(newline) = memchr::memchr(b'\n', buffer) else {
            self.hold(buffer);
            self.offset += buffer.len() as u64;
            return buffer.len();
        };
        if self.skipping {
            counts.too_long += 1;
            self.skipping = false;
        } else if self.partial.is_empty() {
            handle(&buffer[..newline], counts, each);
        } else {
            self.hold(&buffer[..newline]);
            let line = std::mem::take(&mut self.partial);
            if self.skipping {
                counts.too_long += 1;
                self.skipping = false;
            } else {
                handle(&line, counts, each);
                self.partial = line;
                self.partial.clear();
            }
        }
        self.offset += newline as u64 + 1;
        self.end_offset = self.offset;
        newline + 1
    }

    /// Keeps the start of a line, or starts skipping it once it is too long.
    fn hold(&mut self, bytes: &[u8]) {
        if self.skipping {
            return;
        }
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES {
            self.skipping = true;
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// A last line without its newline is taken only if it is complete JSON already.
    fn finish(&mut self, counts: &mut LineCounts, each: &mut impl FnMut(&str) -> LineOutcome) {
        if self.skipping {
            counts.too_long += 1;
            return;
        }
        if self.partial.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let complete = serde_json::from_slice::<serde::de::IgnoredAny>(&self.partial).is_ok();
        if !complete {
            counts.incomplete += 1;
            return;
        }
        let line = std::mem::take(&mut self.partial);
        handle(&line, counts, each);
        self.end_offset = self.offset;
    }
}

/// Hands one line to the reader as text, replacing bytes that are not UTF-8.
fn handle(line: &[u8], counts: &mut LineCounts, each: &mut impl FnMut(&str) -> LineOutcome) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    counts.lines += 1;
    let outcome = match std::str::from_utf8(line) {
        Ok(text) => each(text),
        Err(_) => {
            counts.not_utf8 += 1;
            each(&String::from_utf8_lossy(line))
        }
    };
    match outcome {
        LineOutcome::Understood => {}
        LineOutcome::UnknownType => counts.unknown_type += 1,
        LineOutcome::Malformed => counts.malformed += 1,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn lines_of(bytes: &[u8], start: u64) -> (Vec<String>, LinesRead, LineCounts) {
        let mut file = tempfile::tempfile().expect("tempfile");
        file.write_all(bytes).expect("write");
        let mut seen = Vec::new();
        let mut counts = LineCounts::default();
        let read = read_lines(file, start, bytes.len() as u64, &mut counts, |line| {
            seen.push(line.to_owned());
            if line.starts_with('{') {
                LineOutcome::Understood
            } else {
                LineOutcome::Malformed
            }
        })
        .expect("read");
        (seen, read, counts)
    }

    #[test]
    fn lines_are_cut_at_newlines_and_an_incomplete_tail_is_left() {
        let (seen, read, counts) = lines_of(b"{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":", 0);
        assert_eq!(seen, ["{\"a\":1}", "{\"b\":2}"]);
        assert_eq!(read.end_offset, 18);
        assert_eq!(read.bytes_read, 23);
        assert_eq!(counts.incomplete, 1);
    }

    #[test]
    fn a_complete_tail_without_newline_is_taken() {
        let (seen, read, _) = lines_of(b"{\"a\":1}\n{\"b\":2}", 0);
        assert_eq!(seen.len(), 2);
        assert_eq!(read.end_offset, 15);
    }

    #[test]
    fn reading_resumes_at_an_offset() {
        let (seen, read, _) = lines_of(b"{\"a\":1}\n{\"b\":2}\n", 8);
        assert_eq!(seen, ["{\"b\":2}"]);
        assert_eq!(read.bytes_read, 8);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_and_counted() {
        let (seen, _, counts) = lines_of(b"{\"a\":\"x\xffy\"}\n", 0);
        assert_eq!(seen, ["{\"a\":\"x\u{fffd}y\"}"]);
        assert_eq!(counts.not_utf8, 1);
    }
}
