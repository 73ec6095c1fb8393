//! The largest values the store keeps in a pane's record. Titles, directories and command
//! lines come from the programs in the panes, which can print or exec anything; the database
//! never holds more than these, whatever the caller passes.

/// A pane's title (the terminal caps titles at the same length).
pub const MAX_TITLE_BYTES: usize = 4096;
/// A working directory: Linux paths are at most `PATH_MAX` (4096) bytes. A longer one is not
/// a directory anyone can enter, and is stored as unknown.
pub const MAX_CWD_BYTES: usize = 4096;
/// A command line offered to run again, as JSON. A longer one is not stored (not offered).
pub const MAX_COMMAND_JSON_BYTES: usize = 64 * 1024;

/// `text` cut to at most `max` bytes at a character boundary, with "…" where it was cut.
pub(crate) fn cap(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end]).into()
}
