//! A pane's whole history as the screen showed it: recorded output replayed through a
//! terminal of its own, off the hot path, for `spaces history` and the full-history view.
//!
//! Lines are taken from the emulator as they leave the screen into the scrollback, already
//! rendered: cursor moves, tabs, wide characters and redraws are resolved, and a region
//! redrawn in place (a spinner, a status line, a progress bar) contributes only its final
//! state, when it finally scrolls away or is on the last screen. Rows a long line wrapped
//! into come out as that one line. A full-screen program in the alternate screen scrolls
//! nothing into history; its screen is taken instead when it settles (no output for
//! [`SETTLE_MS`]) and just before it leaves the alternate screen, as a [`HistoryKind::Screen`]
//! block, each distinct screen once.

use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::TermMode;
use alacritty_terminal::term::cell::Flags;

use crate::feed::Feeder;
use crate::replay::{ReplayTerm, new_replay_term};
use crate::size::TermSize;

/// Output quiet this long lets a full-screen program's screen count as settled.
pub const SETTLE_MS: i64 = 1000;
/// The emulator's scrollback: more lines than one batch of output can scroll (batches are
/// recorder chunks of at most 256 KiB, fed in pieces of [`PIECE`]).
const SCROLLBACK: usize = 100_000;
/// Bytes fed between two harvests of the scrollback (far fewer lines than [`SCROLLBACK`]).
const PIECE: usize = 64 * 1024;
/// Sequences that leave the alternate screen: its screen is taken just before them.
const LEAVE_ALT_SCREEN: [&[u8]; 3] = [b"\x1b[?1049l", b"\x1b[?1047l", b"\x1b[?47l"];
/// Sequences that enter it: the main screen's lines so far are emitted just before them, so
/// they come before the program's screens.
const ENTER_ALT_SCREEN: [&[u8]; 3] = [b"\x1b[?1049h", b"\x1b[?1047h", b"\x1b[?47h"];

/// What a history line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryKind {
    /// A line of the main screen.
    Line,
    /// The first line of a full-screen program's screen (the rest of it follows as
    /// [`HistoryKind::ScreenLine`]).
    Screen,
    ScreenLine,
}

/// One line of history and the output that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    pub text: String,
    pub kind: HistoryKind,
    /// Stream offset just past the output after which the line was taken.
    pub offset: u64,
}

/// Streams recorded output in, history lines out.
pub struct HistoryText {
    term: ReplayTerm,
    feeder: Feeder,
    /// Stream offset just past what was fed.
    offset: u64,
    /// When the last output was recorded, to notice a full-screen program settling.
    last_at_ms: Option<i64>,
    /// The last full-screen screen taken, to take each distinct one once.
    last_screen: Vec<String>,
    /// The last main-screen line emitted was wrapped: the next one continues it.
    continues: bool,
    /// How many rows at the top of the main screen were already emitted (before a
    /// full-screen program started): they are skipped when they scroll away or at the end.
    emitted_top: usize,
}

impl HistoryText {
    /// A history of a pane whose screen is `size` (its last known size), starting at stream
    /// offset `offset`.
    pub fn new(size: TermSize, offset: u64) -> Self {
        Self {
            term: new_replay_term(size, SCROLLBACK),
            feeder: Feeder::new(),
            offset,
            last_at_ms: None,
            last_screen: Vec::new(),
            continues: false,
            emitted_top: 0,
        }
    }

    /// Feeds output recorded at `at_ms`; returns the lines it completed.
    pub fn push(&mut self, bytes: &[u8], at_ms: i64) -> Vec<HistoryLine> {
        let mut out = Vec::new();
        if self
            .last_at_ms
            .is_some_and(|last| at_ms.saturating_sub(last) >= SETTLE_MS)
        {
            self.take_screen(&mut out);
        }
        self.last_at_ms = Some(at_ms);
        let mut rest = bytes;
        while let Some((at, length, entering)) = find_switch(rest) {
            self.feed(&rest[..at], &mut out);
            if entering {
                self.take_main_screen(&mut out);
            } else {
                // The full-screen program's last screen, before it is gone.
                self.take_screen(&mut out);
            }
            self.feed(&rest[at..at + length], &mut out);
            rest = &rest[at + length..];
        }
        self.feed(rest, &mut out);
        out
    }

    /// The end of the stream: what the last screen shows.
    pub fn finish(self) -> Vec<HistoryLine> {
        self.pending()
    }

    /// What [`Self::finish`] would return now, leaving the history as it is: the lines of
    /// the last screen, which later output may still change (the search index keeps them
    /// until the next batch replaces them).
    pub fn pending(&self) -> Vec<HistoryLine> {
        let mut out = Vec::new();
        if self.in_alt_screen() {
            if let Some(screen) = self.settled_screen() {
                push_screen(&screen, self.offset, &mut out);
            }
            return out;
        }
        // `push` harvests after every piece it feeds, so the scrollback is empty here and
        // the rows not emitted yet are all on the screen.
        let mut continues = false;
        for row in self.emitted_top..self.last_text_row() {
            let (text, wrapped) = self.row(row as i32);
            match out.last_mut() {
                Some(last) if continues => last.text.push_str(&text),
                _ => out.push(HistoryLine {
                    text,
                    kind: HistoryKind::Line,
                    offset: self.offset,
                }),
            }
            continues = wrapped;
        }
        out
    }

    /// One past the main screen's last non-blank row.
    fn last_text_row(&self) -> usize {
        let rows = self.term.screen_lines() as i32;
        (0..rows)
            .rev()
            .find(|&row| !self.row(row).0.is_empty())
            .map_or(0, |row| row as usize + 1)
    }

    /// Emits the main screen's rows down to its last non-blank one (those not emitted yet).
    fn take_main_screen(&mut self, out: &mut Vec<HistoryLine>) {
        if self.in_alt_screen() {
            return;
        }
        self.harvest(out);
        let last = self.last_text_row();
        for row in self.emitted_top..last {
            self.emit_row(row as i32, out);
        }
        self.emitted_top = self.emitted_top.max(last);
    }

    fn in_alt_screen(&self) -> bool {
        self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    fn feed(&mut self, bytes: &[u8], out: &mut Vec<HistoryLine>) {
        for piece in bytes.chunks(PIECE) {
            self.feeder.feed(&mut self.term, piece);
            self.offset += piece.len() as u64;
            self.harvest(out);
        }
    }

    /// Emits the lines that scrolled into the scrollback, then empties it.
    fn harvest(&mut self, out: &mut Vec<HistoryLine>) {
        let history = self.term.grid().history_size() as i32;
        if history == 0 {
            return;
        }
        for row in -history..0 {
            if self.emitted_top > 0 {
                // Emitted before a full-screen program started.
                self.emitted_top -= 1;
                continue;
            }
            self.emit_row(row, out);
        }
        self.term.grid_mut().clear_history();
    }

    /// One row of the main screen (or scrollback) as a history line, joined to the previous
    /// one when that wrapped into it.
    fn emit_row(&mut self, row: i32, out: &mut Vec<HistoryLine>) {
        let (text, wrapped) = self.row(row);
        match out.last_mut() {
            Some(last) if self.continues && last.kind == HistoryKind::Line => {
                last.text.push_str(&text);
                last.offset = self.offset;
            }
            _ => out.push(HistoryLine {
                text,
                kind: HistoryKind::Line,
                offset: self.offset,
            }),
        }
        self.continues = wrapped;
    }

    /// A row's text (trailing blanks trimmed unless it wrapped) and whether it wraps into the
    /// next row.
    fn row(&self, row: i32) -> (String, bool) {
        let line = Line(row);
        let columns = self.term.columns();
        let wrapped = self.term.grid()[line][Column(columns - 1)]
            .flags
            .contains(Flags::WRAPLINE);
        let mut text = crate::text::row_text(&self.term, line);
        if wrapped {
            // A wrapped row is full: its trailing spaces are part of the line.
            let width = text.chars().count();
            text.extend(std::iter::repeat_n(' ', columns.saturating_sub(width)));
        }
        (text, wrapped)
    }

    /// The alternate screen's text as a block, unless it is blank or the same as the last.
    fn take_screen(&mut self, out: &mut Vec<HistoryLine>) {
        let Some(screen) = self.settled_screen() else {
            return;
        };
        push_screen(&screen, self.offset, out);
        self.last_screen = screen;
        self.continues = false;
    }

    /// The alternate screen's text, unless it is blank or the same as the last taken (or
    /// the main screen is shown).
    fn settled_screen(&self) -> Option<Vec<String>> {
        if !self.in_alt_screen() {
            return None;
        }
        let rows = self.term.screen_lines() as i32;
        let mut screen: Vec<String> = (0..rows)
            .map(|row| crate::text::row_text(&self.term, Line(row)))
            .collect();
        while screen.last().is_some_and(String::is_empty) {
            screen.pop();
        }
        (!screen.is_empty() && screen != self.last_screen).then_some(screen)
    }
}

/// A full-screen program's screen as a block of history lines.
fn push_screen(screen: &[String], offset: u64, out: &mut Vec<HistoryLine>) {
    for (index, text) in screen.iter().enumerate() {
        out.push(HistoryLine {
            text: text.clone(),
            kind: if index == 0 {
                HistoryKind::Screen
            } else {
                HistoryKind::ScreenLine
            },
            offset,
        });
    }
}

/// Where the next sequence entering or leaving the alternate screen starts, its length, and
/// whether it enters.
fn find_switch(bytes: &[u8]) -> Option<(usize, usize, bool)> {
    let found = |sequences: &[&[u8]; 3], entering: bool| {
        sequences
            .iter()
            .filter_map(|sequence| {
                memchr::memmem::find(bytes, sequence).map(|at| (at, sequence.len(), entering))
            })
            .min()
    };
    match (
        found(&ENTER_ALT_SCREEN, true),
        found(&LEAVE_ALT_SCREEN, false),
    ) {
        (Some(enter), Some(leave)) => Some(enter.min(leave)),
        (enter, leave) => enter.or(leave),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(chunks: &[(&str, i64)]) -> Vec<String> {
        let mut text = HistoryText::new(TermSize::new(40, 5), 0);
        let mut lines = Vec::new();
        for (bytes, at) in chunks {
            lines.extend(text.push(bytes.as_bytes(), *at));
        }
        lines.extend(text.finish());
        lines
            .into_iter()
            .map(|line| match line.kind {
                HistoryKind::Screen => format!("[screen] {}", line.text),
                _ => line.text,
            })
            .collect()
    }

    #[test]
    fn cursor_movement_is_resolved_as_the_screen_showed_it() {
        // Claude Code moves the cursor instead of printing spaces, and writes lines by
        // moving down rather than with newlines.
        let lines = history(&[(
            "Interrupted\x1b[1C·\x1b[1CWhat\x1b[1Cshould\x1b[1CClaude\x1b[1Cdo\x1b[1Cinstead?\r\nlineD\x1b[1B\x1b[5DlineA\r\n",
            0,
        )]);
        assert_eq!(
            lines,
            vec![
                "Interrupted · What should Claude do instead?",
                "lineD",
                "lineA"
            ]
        );
    }

    #[test]
    fn a_status_line_redrawn_in_place_is_kept_once_in_its_final_state() {
        let mut output = String::from("start\r\n");
        for n in 0..1000 {
            output.push_str(&format!("\x1b[2K\rThinking {n}"));
        }
        output.push_str("\r\x1b[2KDone.\r\n");
        for n in 0..10 {
            output.push_str(&format!("after {n}\r\n"));
        }
        let lines = history(&[(&output, 0)]);
        assert_eq!(lines.iter().filter(|l| l.contains("Thinking")).count(), 0);
        assert_eq!(lines[..2], ["start".to_owned(), "Done.".to_owned()]);
        assert_eq!(lines.len(), 12);
    }

    #[test]
    fn a_wrapped_line_comes_back_whole() {
        let long = "x".repeat(100);
        let lines = history(&[(&format!("{long}\r\nnext\r\n"), 0)]);
        assert_eq!(lines, vec![long, "next".to_owned()]);
    }

    #[test]
    fn a_full_screen_program_contributes_each_settled_screen_once() {
        let draw = |text: &str| format!("\x1b[H\x1b[2J{text}");
        let lines = history(&[
            ("before\r\n\x1b[?1049h", 0),
            (&draw("frame 1"), 10),
            (&draw("frame 2"), 20),
            // Quiet for a second: frame 2 settled. The same screen again adds nothing.
            (&draw("frame 2"), 2000),
            (&draw("frame 3"), 2010),
            ("\x1b[?1049l", 2020),
            ("after\r\n", 2030),
        ]);
        assert_eq!(
            lines,
            vec!["before", "[screen] frame 2", "[screen] frame 3", "after"]
        );
    }

    #[test]
    fn pending_lines_are_what_finishing_now_would_give() {
        let long = "y".repeat(90);
        let streams: [&[(&str, i64)]; 3] = [
            &[("one\r\ntwo\r\n", 0), (&long, 5), ("\r\nthree", 6)],
            &[
                ("a\r\nb\r\nc\r\nd\r\ne\r\nf\r\n", 0),
                ("\x1b[?1049h\x1b[Hfull", 1),
            ],
            &[
                ("x\r\n\x1b[?1049h\x1b[Hscreen", 0),
                ("\x1b[?1049l", 2000),
                ("tail", 2001),
            ],
        ];
        for stream in streams {
            let mut text = HistoryText::new(TermSize::new(40, 5), 0);
            for (bytes, at) in stream {
                let _lines = text.push(bytes.as_bytes(), *at);
                let pending = text.pending();
                assert_eq!(pending, text.pending(), "pending changes nothing");
            }
            let pending = text.pending();
            assert_eq!(pending, text.finish());
        }
    }

    #[test]
    fn the_offsets_say_where_each_line_came_from() {
        let mut text = HistoryText::new(TermSize::new(20, 2), 1000);
        let lines = text.push(b"a\r\nb\r\nc\r\n", 0);
        assert!(lines.iter().all(|line| line.offset == 1009), "{lines:?}");
    }
}
