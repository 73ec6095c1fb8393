//! Tracks, byte by byte, whether vte's parser is in its ground state with no UTF-8 character
//! half read: outside every escape sequence and every OSC/DCS/SOS/PM/APC string.
//!
//! Two things rely on it. Snapshots are only taken there, so a replay that starts at a
//! snapshot's offset starts clean. And [`crate::feed`] writes runs of plain text into the grid
//! itself only there, so the tracker must never claim the ground state when vte is elsewhere.
//! The transitions below mirror vte 0.15's (`vte::Parser`) state machine; the only liberty
//! taken is on the safe side: a DCS string ended by the 8-bit ST byte (0x9C) is still treated
//! as a string until the next ESC, CAN or SUB, which is when vte has surely left it too.
//! `tests/feed_equivalence.rs` checks the mirror against vte itself on random streams.

/// The parser state, merged where vte's sub-states leave by the same bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// Ground, inside a multi-byte UTF-8 character: this many continuation bytes to go. vte
    /// may be holding the first bytes back (a character cut across two reads).
    Utf8(u8),
    /// After ESC.
    Escape,
    /// ESC followed by intermediates (e.g. `ESC (`).
    EscapeIntermediate,
    /// Inside a CSI sequence (vte's entry, parameter, intermediate and ignore states).
    Csi,
    /// Inside an OSC string, ended by BEL or ST.
    Osc,
    /// Inside a DCS sequence or its string.
    Dcs,
    /// Inside an SOS, PM or APC string, which vte ends only at ESC (ST), CAN or SUB.
    SosPmApc,
}

const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;
const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

#[derive(Clone, Debug, Default)]
pub struct GroundTracker {
    state: State,
}

impl GroundTracker {
    /// True when the bytes so far leave vte in its ground state, holding no partial character.
    pub fn is_ground(&self) -> bool {
        self.state == State::Ground
    }

    /// True right after a lone ESC (the next byte may finish a two-byte sequence).
    pub fn in_escape(&self) -> bool {
        self.state == State::Escape
    }

    /// True inside an OSC string (after `ESC ]`, before BEL, ST, CAN or SUB).
    pub fn in_osc(&self) -> bool {
        self.state == State::Osc
    }

    /// Takes one byte.
    pub fn step(&mut self, byte: u8) {
        self.state = step(self.state, byte);
    }
}

fn step(state: State, byte: u8) -> State {
    // ESC starts a new sequence from any state (ending a string or abandoning a sequence),
    // and CAN or SUB abandon whatever was in progress.
    match byte {
        ESC => return State::Escape,
        CAN | SUB => return State::Ground,
        _ => {}
    }
    match state {
        State::Ground => match byte {
            0xc2..=0xdf => State::Utf8(1),
            0xe0..=0xef => State::Utf8(2),
            0xf0..=0xf4 => State::Utf8(3),
            // Everything else is printed or executed (invalid UTF-8 as a replacement
            // character or a C1 control) without leaving the ground state.
            _ => State::Ground,
        },
        State::Utf8(remaining) => match byte {
            0x80..=0xbf if remaining > 1 => State::Utf8(remaining - 1),
            0x80..=0xbf => State::Ground,
            // A sequence cut short: vte prints a replacement and reads this byte afresh.
            _ => step(State::Ground, byte),
        },
        State::Escape => match byte {
            0x20..=0x2f => State::EscapeIntermediate,
            b'[' => State::Csi,
            b']' => State::Osc,
            b'P' => State::Dcs,
            b'X' | b'^' | b'_' => State::SosPmApc,
            // The final byte of a two-byte sequence.
            0x30..=0x7e => State::Ground,
            // C0 controls are executed in place; DEL and high bytes are ignored.
            _ => State::Escape,
        },
        State::EscapeIntermediate => match byte {
            0x30..=0x7e => State::Ground,
            _ => State::EscapeIntermediate,
        },
        State::Csi => match byte {
            0x40..=0x7e => State::Ground,
            _ => State::Csi,
        },
        State::Osc => match byte {
            BEL => State::Ground,
            _ => State::Osc,
        },
        State::Dcs | State::SosPmApc => state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advance(tracker: &mut GroundTracker, bytes: &[u8]) {
        for &byte in bytes {
            tracker.step(byte);
        }
    }

    fn ends_in_ground(bytes: &[u8]) -> bool {
        let mut tracker = GroundTracker::default();
        advance(&mut tracker, bytes);
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
        assert!(ends_in_ground(b"\x1b_apc\x1b\\"));
        assert!(ends_in_ground(b"\x1bP1$r\x1b\\"));
        assert!(ends_in_ground(b"\x1b[31\x18"), "CAN abandons a sequence");
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
    fn controls_inside_sequences_do_not_end_them() {
        // vte executes C0 controls inside ESC and CSI sequences and carries on with them.
        assert!(!ends_in_ground(b"\x1b\n"));
        assert!(!ends_in_ground(b"\x1b(\r"));
        assert!(!ends_in_ground(b"\x1b[3\n1"));
        // DEL and high bytes after ESC are ignored.
        assert!(!ends_in_ground(b"\x1b\x7f"));
        assert!(!ends_in_ground(b"\x1b\xc3"));
    }

    #[test]
    fn esc_inside_a_string_starts_a_new_sequence() {
        // vte ends an OSC at ESC and reads what follows as a new escape sequence.
        assert!(!ends_in_ground(b"\x1b]0;title\x1b[31"));
        assert!(ends_in_ground(b"\x1b]0;title\x1b[31m"));
    }

    #[test]
    fn bel_ends_an_osc_but_not_an_apc() {
        assert!(ends_in_ground(b"\x1b]2;t\x07"));
        assert!(!ends_in_ground(b"\x1b_t\x07"));
        assert!(!ends_in_ground(b"\x1b^t\x07"));
        assert!(!ends_in_ground(b"\x1bXt\x07"));
    }

    #[test]
    fn state_carries_across_chunks() {
        let mut tracker = GroundTracker::default();
        advance(&mut tracker, b"text \x1b]2;long ti");
        assert!(!tracker.is_ground());
        advance(&mut tracker, b"tle\x07 more");
        assert!(tracker.is_ground());
    }
}
