//! Colours programs set, query and reset (OSC 4/10/11/12/17/19 and 104/110/111/112/117/119):
//! answered from the pane's own colours in xterm's format, reset by RIS, kept per pane, saved
//! in snapshots, and silent on replay.

use std::sync::Arc;

use alacritty_terminal::vte::ansi::{NamedColor, Rgb};
use spaces_term::alacritty_terminal;
use spaces_term::colors::{SELECTION_BACKGROUND, SELECTION_FOREGROUND, current};
use spaces_term::feed::{Answers, Feeder};
use spaces_term::palette::Palette;
use spaces_term::replay::{ReplayTerm, new_replay_term};
use spaces_term::{TermSize, snapshot};

/// A pane's terminal and parser as the parser thread has them, with its answers collected.
struct Pane {
    term: ReplayTerm,
    feeder: Feeder,
    answers: crossbeam_channel::Receiver<Vec<u8>>,
}

impl Pane {
    fn new() -> Self {
        let (writer, answers) = crossbeam_channel::unbounded();
        let feeder = Feeder::answering(Answers {
            writer,
            palette: Arc::new(Palette::default()),
        });
        Self {
            term: new_replay_term(TermSize::new(80, 24), 100),
            feeder,
            answers,
        }
    }

    /// Feeds `bytes` and returns everything answered, in order.
    fn feed(&mut self, bytes: &str) -> String {
        self.feeder.feed(&mut self.term, bytes.as_bytes());
        let answered: Vec<u8> = self.answers.try_iter().flatten().collect();
        String::from_utf8(answered).expect("answers are text")
    }

    fn color(&self, slot: usize) -> Rgb {
        current(&self.term, &Palette::default(), slot)
    }
}

const fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    Rgb { r, g, b }
}

#[test]
fn a_palette_entry_set_is_drawn_and_answered() {
    let mut pane = Pane::new();
    assert_eq!(pane.feed("\x1b]4;1;rgb:aa/bb/cc\x07"), "");
    assert_eq!(pane.color(1), rgb(0xaa, 0xbb, 0xcc));
    assert_eq!(
        pane.feed("\x1b]4;1;?\x07"),
        "\x1b]4;1;rgb:aaaa/bbbb/cccc\x07"
    );
    // Several entries in one OSC, and the ST terminator answered with ST.
    assert_eq!(
        pane.feed("\x1b]4;2;#102030;3;?;2;?\x1b\\"),
        format!(
            "\x1b]4;3;{}\x1b\\\x1b]4;2;rgb:1010/2020/3030\x1b\\",
            spaces_term::colors::xterm_format(Palette::default().indexed[3])
        )
    );
    assert_eq!(pane.feed("\x1b]104;1\x07"), "");
    assert_eq!(
        pane.color(1),
        Palette::default().indexed[1],
        "reset to the theme"
    );
    assert_eq!(pane.color(2), rgb(0x10, 0x20, 0x30), "other entries stay");
    pane.feed("\x1b]104\x07");
    assert_eq!(pane.color(2), Palette::default().indexed[2]);
}

#[test]
fn foreground_background_and_cursor_are_set_answered_and_reset() {
    let mut pane = Pane::new();
    pane.feed("\x1b]11;rgb:12/34/56\x07");
    assert_eq!(pane.feed("\x1b]11;?\x07"), "\x1b]11;rgb:1212/3434/5656\x07");
    // OSC 10 with two colours sets the foreground and then the background, as in xterm.
    pane.feed("\x1b]10;#010203;#040506\x07");
    assert_eq!(
        pane.feed("\x1b]10;?;?\x07"),
        "\x1b]10;rgb:0101/0202/0303\x07\x1b]11;rgb:0404/0505/0606\x07"
    );
    pane.feed("\x1b]12;rgbi:1/0/0\x07");
    assert_eq!(pane.color(NamedColor::Cursor as usize), rgb(0xff, 0, 0));
    pane.feed("\x1b]110\x07\x1b]111\x07\x1b]112\x07");
    let theme = Palette::default();
    assert_eq!(
        pane.feed("\x1b]10;?\x07\x1b]11;?\x07\x1b]12;?\x07"),
        format!(
            "\x1b]10;{}\x07\x1b]11;{}\x07\x1b]12;{}\x07",
            spaces_term::colors::xterm_format(theme.foreground),
            spaces_term::colors::xterm_format(theme.background),
            spaces_term::colors::xterm_format(theme.cursor),
        )
    );
}

#[test]
fn selection_colours_are_set_answered_and_reset() {
    let mut pane = Pane::new();
    pane.feed("\x1b]17;#ff0000\x07\x1b]19;rgb:0/f/0\x07");
    assert_eq!(pane.color(SELECTION_BACKGROUND), rgb(0xff, 0, 0));
    assert_eq!(pane.color(SELECTION_FOREGROUND), rgb(0, 0xff, 0));
    assert_eq!(
        pane.feed("\x1b]17;?\x07\x1b]19;?\x07"),
        "\x1b]17;rgb:ffff/0000/0000\x07\x1b]19;rgb:0000/ffff/0000\x07"
    );
    pane.feed("\x1b]117\x07\x1b]119\x07");
    assert_eq!(
        pane.color(SELECTION_BACKGROUND),
        Palette::default().selection
    );
}

#[test]
fn a_terminal_reset_restores_the_theme() {
    let mut pane = Pane::new();
    pane.feed("\x1b]4;5;#010101\x07\x1b]11;#020202\x07\x1b]17;#030303\x07");
    pane.feed("\x1bc");
    let theme = Palette::default();
    assert_eq!(pane.color(5), theme.indexed[5]);
    assert_eq!(
        pane.color(NamedColor::Background as usize),
        theme.background
    );
    assert_eq!(pane.color(SELECTION_BACKGROUND), theme.selection);
}

#[test]
fn colours_belong_to_their_pane() {
    let mut first = Pane::new();
    let mut second = Pane::new();
    first.feed("\x1b]11;#0a0b0c\x07");
    assert_eq!(
        first.color(NamedColor::Background as usize),
        rgb(0x0a, 0x0b, 0x0c)
    );
    assert_eq!(
        second.color(NamedColor::Background as usize),
        Palette::default().background
    );
    assert_eq!(
        second.feed("\x1b]11;?\x07"),
        format!(
            "\x1b]11;{}\x07",
            spaces_term::colors::xterm_format(Palette::default().background)
        )
    );
}

#[test]
fn colours_survive_a_snapshot_and_a_replay_answers_nothing() {
    let mut pane = Pane::new();
    pane.feed("\x1b]4;1;#112233\x07\x1b]11;#445566\x07\x1b]19;#778899\x07");
    let bytes = snapshot::encode(&pane.term);
    let mut restored = new_replay_term(TermSize::new(80, 24), 100);
    snapshot::restore_into(&mut restored, &bytes).expect("decode");
    let theme = Palette::default();
    assert_eq!(current(&restored, &theme, 1), rgb(0x11, 0x22, 0x33));
    assert_eq!(
        current(&restored, &theme, NamedColor::Background as usize),
        rgb(0x44, 0x55, 0x66)
    );
    assert_eq!(
        current(&restored, &theme, SELECTION_FOREGROUND),
        rgb(0x77, 0x88, 0x99)
    );

    // Replaying recorded output draws the colours but answers nothing.
    let mut replayed = new_replay_term(TermSize::new(80, 24), 100);
    let mut replayer = spaces_term::replay::Replayer::default();
    replayer.feed(
        &mut replayed,
        b"\x1b]17;#010203\x07\x1b]17;?\x07\x1b]4;1;?\x07",
    );
    replayer.finish(&mut replayed);
    assert_eq!(
        current(&replayed, &theme, SELECTION_BACKGROUND),
        rgb(1, 2, 3)
    );
}
