//! Plain text out of a terminal grid: what `spaces cli get-text` prints.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;

use crate::Term;

/// The text of rows `start..=end`, where line 0 is the top of the screen and negative lines
/// reach into the scrollback (as `wezterm cli get-text`). Out-of-range lines are clamped.
/// Each row has its trailing blanks trimmed.
pub fn lines<T>(term: &alacritty_terminal::Term<T>, start: i32, end: i32) -> Vec<String> {
    let top = -(term.grid().history_size() as i32);
    let bottom = term.screen_lines() as i32 - 1;
    let start = start.clamp(top, bottom);
    let end = end.clamp(top, bottom);
    (start..=end)
        .map(|line| row_text(term, Line(line)))
        .collect()
}

/// The visible screen (ignoring any scrollback the user is viewing).
pub fn screen(term: &Term) -> Vec<String> {
    lines(term, 0, term.screen_lines() as i32 - 1)
}

/// One row's text without trailing blanks. Wide characters appear once; combining marks follow
/// their base character.
pub fn row_text<T>(term: &alacritty_terminal::Term<T>, line: Line) -> String {
    let row = &term.grid()[line];
    let mut text = String::with_capacity(term.columns());
    for column in 0..term.columns() {
        let cell = &row[Column(column)];
        if cell
            .flags
            .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
        {
            continue;
        }
        // A tab leaves '\t' in the cell where it was typed and blanks up to the next stop.
        text.push(if cell.c == '\t' { ' ' } else { cell.c });
        if let Some(marks) = cell.zerowidth() {
            text.extend(marks);
        }
    }
    let trimmed = text.trim_end_matches([' ', '\t', '\0']).len();
    text.truncate(trimmed);
    text
}

/// The longest window title kept (OSC 0/2). A program can print any length; what the window,
/// the tab and the saved pane record get is cut here.
pub const MAX_TITLE_BYTES: usize = 4096;

/// `text` cut to at most `max` bytes at a character boundary, with "…" where it was cut.
pub fn cap(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    const MARK: &str = "…";
    let mut end = max.saturating_sub(MARK.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = text;
    cut.truncate(end);
    cut.push_str(MARK);
    cut
}

#[cfg(test)]
mod cap_tests {
    use super::cap;

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        assert_eq!(cap("short".to_owned(), 10), "short");
        let cut = cap("é".repeat(10), 8);
        assert!(cut.len() <= 8, "{cut}");
        assert_eq!(cut, "éé…");
        assert_eq!(cap("x".repeat(100), 10), format!("{}…", "x".repeat(7)));
    }
}
