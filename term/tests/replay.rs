//! Replay of recorded output beyond single screens: a long scrollback read back by line number,
//! and the reset that makes replayed state safe for a new process.

use spaces_term::TermSize;
use spaces_term::alacritty_terminal::grid::Dimensions;
use spaces_term::alacritty_terminal::term::TermMode;
use spaces_term::replay::{new_replay_term, replay_bytes, reset_for_new_process};
use spaces_term::text;

/// `1\r\n2\r\n...count`, as a shell loop printing numbers would leave it on a PTY.
fn numbered_lines(count: usize) -> Vec<u8> {
    let lines: Vec<String> = (1..=count).map(|number| number.to_string()).collect();
    lines.join("\r\n").into_bytes()
}

#[test]
fn scrollback_keeps_the_last_lines_in_order() {
    let mut term = new_replay_term(TermSize::new(80, 24), 10_000);
    replay_bytes(&mut term, &numbered_lines(30_000));

    assert_eq!(term.grid().history_size(), 10_000);
    let lines = text::lines(&term, -10_000, 23);
    // 24 screen rows plus 10,000 in the scrollback: the newest 10,024 of the 30,000 lines.
    let expected: Vec<String> = (30_000 - 10_024 + 1..=30_000)
        .map(|number: usize| number.to_string())
        .collect();
    assert_eq!(lines.len(), expected.len());
    assert_eq!(lines.first(), expected.first());
    assert_eq!(lines.last(), expected.last());
    assert_eq!(lines, expected);
}

#[test]
fn lines_clamps_out_of_range_requests() {
    let mut term = new_replay_term(TermSize::new(80, 24), 10_000);
    replay_bytes(&mut term, &numbered_lines(30_000));

    let all = text::lines(&term, -50_000, 500);
    assert_eq!(all.len(), 10_024);
    assert_eq!(all[0], "19977");
    assert_eq!(text::lines(&term, -1, -1), vec!["29976".to_owned()]);
    assert_eq!(text::lines(&term, 0, 0), vec!["29977".to_owned()]);
}

#[test]
fn scrollback_of_zero_keeps_only_the_screen() {
    let mut term = new_replay_term(TermSize::new(80, 24), 0);
    replay_bytes(&mut term, &numbered_lines(100));

    assert_eq!(term.grid().history_size(), 0);
    let lines = text::lines(&term, -100, 23);
    assert_eq!(lines.len(), 24);
    assert_eq!(lines[0], "77");
    assert_eq!(lines[23], "100");
}

/// Output of a full-screen program that died without cleaning up: main screen text, then the
/// alternate screen with mouse reporting, bracketed paste, app cursor and app keypad on.
const DIRTY_PROGRAM: &[u8] = b"$ vim notes.txt\r\n\
\x1b[?1049h\x1b[2J\x1b[H\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?2004h\x1b[?1h\x1b=\x1b[?1004h\
\x1b[?25l\x1b[1;31m~ vim screen\x1b[3;10r";

// Mouse modes replace each other, so 1000 then 1002 leaves only MOUSE_DRAG on.
const DIRTY_MODES: TermMode = TermMode::ALT_SCREEN
    .union(TermMode::MOUSE_DRAG)
    .union(TermMode::SGR_MOUSE)
    .union(TermMode::BRACKETED_PASTE)
    .union(TermMode::APP_CURSOR)
    .union(TermMode::APP_KEYPAD)
    .union(TermMode::FOCUS_IN_OUT);

#[test]
fn reset_for_new_process_leaves_a_clean_main_screen() {
    let mut term = new_replay_term(TermSize::new(40, 6), 100);
    replay_bytes(&mut term, DIRTY_PROGRAM);
    // The fixture really did turn everything on, or the test proves nothing.
    assert!(
        term.mode().contains(DIRTY_MODES),
        "modes: {:?}",
        term.mode()
    );
    assert!(!term.mode().contains(TermMode::SHOW_CURSOR));

    reset_for_new_process(&mut term);

    let mode = *term.mode();
    assert!(!mode.intersects(DIRTY_MODES), "modes left on: {mode:?}");
    assert!(!mode.intersects(TermMode::MOUSE_MODE), "{mode:?}");
    assert!(mode.contains(TermMode::SHOW_CURSOR), "{mode:?}");
    // The main screen's text is back (possibly scrolled into the scrollback), the alternate
    // screen's is gone.
    let all = text::lines(&term, -100, 5);
    assert!(
        all.iter().any(|row| row == "$ vim notes.txt"),
        "main screen shown: {all:?}"
    );
    assert!(
        all.iter().all(|row| !row.contains("vim screen")),
        "alternate screen still shown: {all:?}"
    );
}

#[test]
fn reset_for_new_process_puts_new_output_on_a_fresh_plain_line() {
    let mut term = new_replay_term(TermSize::new(40, 6), 100);
    replay_bytes(&mut term, DIRTY_PROGRAM);
    reset_for_new_process(&mut term);

    // The next process starts printing here: plain attributes, full-screen scrolling.
    replay_bytes(&mut term, b"new shell$ ");
    let cursor = term.grid().cursor.point;
    let row = text::lines(&term, cursor.line.0, cursor.line.0);
    assert_eq!(row, vec!["new shell$".to_owned()]);
    let old = text::lines(&term, -(term.grid().history_size() as i32), 5);
    assert!(
        old.iter().any(|line| line == "$ vim notes.txt"),
        "old output kept: {old:?}"
    );
    let template = &term.grid().cursor.template;
    assert!(template.flags.is_empty(), "SGR reset: {:?}", template.flags);

    // With the scroll region reset, a newline at the bottom scrolls the whole screen.
    let history_before = term.grid().history_size();
    replay_bytes(&mut term, b"\x1b[6;1H\r\nbottom");
    assert_eq!(term.grid().history_size(), history_before + 1);
}

#[test]
fn reset_for_new_process_on_a_full_main_screen_adds_a_line() {
    let mut term = new_replay_term(TermSize::new(20, 3), 100);
    replay_bytes(&mut term, b"one\r\ntwo\r\n$ half typed");
    reset_for_new_process(&mut term);

    let cursor = term.grid().cursor.point;
    assert_eq!(cursor.column.0, 0);
    assert_eq!(text::lines(&term, cursor.line.0, cursor.line.0), vec![""]);
    let all = text::lines(&term, -10, 2);
    assert!(all.contains(&"$ half typed".to_owned()), "{all:?}");
}

#[test]
fn reset_for_new_process_never_overwrites_the_bottom_row() {
    // Old output that ends on the bottom row while the top row is blank.
    let mut term = new_replay_term(TermSize::new(20, 4), 100);
    replay_bytes(&mut term, b"\r\n\r\n\r\nlast old line");
    reset_for_new_process(&mut term);

    replay_bytes(&mut term, b"$ ");
    let all = text::lines(&term, -10, 3);
    assert!(
        all.contains(&"last old line".to_owned()),
        "the new prompt overwrote old output: {all:?}"
    );
}

#[test]
fn reset_for_new_process_continues_right_below_the_old_text() {
    // A short session on a tall screen: the new output goes under it, not to the bottom row
    // (which would scroll the old lines out of sight).
    let mut term = new_replay_term(TermSize::new(20, 10), 100);
    replay_bytes(&mut term, b"$ echo hi\r\nhi\r\n$ ");
    reset_for_new_process(&mut term);

    replay_bytes(&mut term, b"new$ ");
    assert_eq!(term.grid().history_size(), 0);
    let screen = text::lines(&term, 0, 3);
    assert_eq!(screen, vec!["$ echo hi", "hi", "$", "new$"]);
}

#[test]
fn reset_for_new_process_on_an_empty_screen_starts_at_the_top() {
    let mut term = new_replay_term(TermSize::new(20, 5), 100);
    replay_bytes(&mut term, b"old\x1b[2J\x1b[4;3H");
    reset_for_new_process(&mut term);

    replay_bytes(&mut term, b"new$ ");
    assert_eq!(text::lines(&term, 0, 0), vec!["new$"]);
}
