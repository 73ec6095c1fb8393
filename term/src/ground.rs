//! Tracks whether the output stream is at a clean boundary: not inside an escape sequence,
//! an OSC/DCS string, or a multi-byte UTF-8 character. Snapshots are only taken there, so a
//! replay that starts at a snapshot's offset starts clean.

/// The coarse parser state that matters for "can a replay start here?".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// ESC followed by intermediates (e.g. `ESC (`).
    EscapeIntermediate,
    /// Inside a CSI sequence.
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string, ended by BEL or ST (ESC \).
    String,
    /// ESC seen inside a string: `\` ends it.
    StringEscape,
    /// Waiting for this many UTF-8 continuation bytes.
    Utf8(u8),
}

#[derive(Clone, Debug, Default)]
pub struct GroundTracker {
    state: State,
}

impl GroundTracker {
    pub fn is_ground(&self) -> bool {
        self.state == State::Ground
    }

    pub fn advance(&mut self, bytes: &[u8]) {
        let mut index = 0;
        while index < bytes.len() {
            if self.state == State::Ground {
                // Fast path: plain ASCII text and controls other than ESC change nothing.
                match next_escape_or_non_ascii(&bytes[index..]) {
                    Some(skip) => index += skip,
                    None => return,
                }
            }
            self.state = step(self.state, bytes[index]);
            index += 1;
        }
    }
}

/// Index of the first ESC or non-ASCII byte: the only bytes that leave the ground state.
/// Whole blocks are tested without an early exit, which the compiler turns into SIMD.
fn next_escape_or_non_ascii(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 32;
    let special = |byte: u8| byte == 0x1b || byte >= 0x80;
    let mut start = 0;
    for block in bytes.chunks_exact(BLOCK) {
        if block.iter().fold(false, |hit, &byte| hit | special(byte)) {
            break;
        }
        start += BLOCK;
    }
    bytes[start..]
        .iter()
        .position(|&byte| special(byte))
        .map(|index| start + index)
}

fn step(state: State, byte: u8) -> State {
    match state {
        State::Ground => match byte {
            0x1b => State::Escape,
            0xc2..=0xdf => State::Utf8(1),
            0xe0..=0xef => State::Utf8(2),
            0xf0..=0xf4 => State::Utf8(3),
            _ => State::Ground,
        },
        State::Utf8(remaining) => match byte {
            0x80..=0xbf if remaining > 1 => State::Utf8(remaining - 1),
            0x80..=0xbf => State::Ground,
            // An invalid sequence: the parser resynchronises on this byte.
            _ => step(State::Ground, byte),
        },
        State::Escape => match byte {
            b'[' => State::Csi,
            b']' | b'P' | b'X' | b'^' | b'_' => State::String,
            0x1b => State::Escape,
            0x20..=0x2f => State::EscapeIntermediate,
            _ => State::Ground,
        },
        State::EscapeIntermediate => match byte {
            0x20..=0x2f => State::EscapeIntermediate,
            0x1b => State::Escape,
            _ => State::Ground,
        },
        State::Csi => match byte {
            0x40..=0x7e => State::Ground,
            0x1b => State::Escape,
            // CAN and SUB abort a sequence.
            0x18 | 0x1a => State::Ground,
            _ => State::Csi,
        },
        State::String => match byte {
            0x07 | 0x18 | 0x1a => State::Ground,
            0x1b => State::StringEscape,
            _ => State::String,
        },
        State::StringEscape => match byte {
            b'\\' => State::Ground,
            0x1b => State::StringEscape,
            _ => State::String,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends_in_ground(bytes: &[u8]) -> bool {
        let mut tracker = GroundTracker::default();
        tracker.advance(bytes);
        tracker.is_ground()
    }

    #[test]
    fn plain_text_and_complete_sequences_are_ground() {
        assert!(ends_in_ground(b"hello\r\n"));
        assert!(ends_in_ground(b"\x1b[31mred\x1b[0m"));
        assert!(ends_in_ground(b"\x1b]0;title\x07"));
        assert!(ends_in_ground(b"\x1b]0;title\x1b\\"));
        assert!(ends_in_ground("中文 ok 😀".as_bytes()));
        assert!(ends_in_ground(b"\x1b(B"));
    }

    #[test]
    fn cut_sequences_are_not_ground() {
        assert!(!ends_in_ground(b"\x1b"));
        assert!(!ends_in_ground(b"\x1b[31"));
        assert!(!ends_in_ground(b"\x1b]52;c;aGVsbG8="));
        assert!(!ends_in_ground(&"中".as_bytes()[..2]));
        assert!(!ends_in_ground(b"\x1bP1$r"));
    }

    #[test]
    fn state_carries_across_chunks() {
        let mut tracker = GroundTracker::default();
        tracker.advance(b"text \x1b]2;long ti");
        assert!(!tracker.is_ground());
        tracker.advance(b"tle\x07 more");
        assert!(tracker.is_ground());
    }

    #[test]
    fn the_block_scan_finds_the_first_special_byte_anywhere() {
        for length in [0, 1, 31, 32, 33, 64, 100] {
            let plain = vec![b'a'; length];
            assert_eq!(next_escape_or_non_ascii(&plain), None, "length {length}");
            for at in 0..length {
                for special in [0x1b, 0x80, 0xc3, 0xff] {
                    let mut bytes = plain.clone();
                    bytes[at] = special;
                    if at + 1 < length {
                        bytes[length - 1] = 0x1b;
                    }
                    assert_eq!(
                        next_escape_or_non_ascii(&bytes),
                        Some(at),
                        "{special:#x} at {at} of {length}"
                    );
                }
            }
        }
    }
}
