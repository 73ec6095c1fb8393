//! Input encoding against the byte sequences xterm sends: keys, modifiers, cursor modes,
//! paste, mouse and focus reports.

use spaces_term::alacritty_terminal::term::TermMode;
use spaces_term::input::*;

const NONE: Modifiers = Modifiers::NONE;
const SHIFT: Modifiers = Modifiers::SHIFT;
const CTRL: Modifiers = Modifiers::CTRL;
const ALT: Modifiers = Modifiers::ALT;
const CTRL_SHIFT: Modifiers = Modifiers {
    shift: true,
    ctrl: true,
    alt: false,
};
const CTRL_ALT: Modifiers = Modifiers {
    shift: false,
    ctrl: true,
    alt: true,
};
const ALL: Modifiers = Modifiers {
    shift: true,
    ctrl: true,
    alt: true,
};

/// Asserts each key press produces exactly the listed bytes in `modes`.
fn assert_keys(modes: InputModes, cases: &[(Key, Modifiers, &[u8])]) {
    for &(key, mods, expected) in cases {
        let actual = encode_key(key, mods, modes);
        assert_eq!(actual.as_deref(), Some(expected), "{key:?} with {mods:?}");
    }
}

fn mouse_modes(report: MouseReport, sgr: bool) -> InputModes {
    InputModes {
        mouse_report: report,
        mouse_sgr: sgr,
        ..InputModes::default()
    }
}

/// A mouse event at (col, line) without modifiers.
fn mouse(
    modes: InputModes,
    button: MouseButton,
    action: MouseAction,
    col: usize,
    line: usize,
) -> Option<Vec<u8>> {
    encode_mouse(button, action, col, line, NONE, modes)
}

#[test]
fn characters_send_their_utf8_and_shift_changes_nothing_more() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Char('a'), NONE, b"a"),
            (Key::Char('A'), SHIFT, b"A"),
            (Key::Char('é'), NONE, "é".as_bytes()),
            (Key::Char('€'), SHIFT, "€".as_bytes()),
        ],
    );
}

#[test]
fn ctrl_characters_send_c0_codes() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Char('a'), CTRL, &[0x01]),
            (Key::Char('c'), CTRL, &[0x03]),
            (Key::Char('z'), CTRL, &[0x1a]),
            (Key::Char('D'), CTRL_SHIFT, &[0x04]),
            (Key::Char('@'), CTRL, &[0x00]),
            (Key::Char(' '), CTRL, &[0x00]),
            (Key::Char('['), CTRL, &[0x1b]),
            (Key::Char('\\'), CTRL, &[0x1c]),
            (Key::Char(']'), CTRL, &[0x1d]),
            (Key::Char('^'), CTRL, &[0x1e]),
            (Key::Char('~'), CTRL, &[0x1e]),
            (Key::Char('_'), CTRL, &[0x1f]),
            (Key::Char('/'), CTRL, &[0x1f]),
            (Key::Char('?'), CTRL, &[0x7f]),
            // The VT220 digit row: ctrl+2 is NUL through ctrl+8 as DEL.
            (Key::Char('2'), CTRL, &[0x00]),
            (Key::Char('3'), CTRL, &[0x1b]),
            (Key::Char('6'), CTRL, &[0x1e]),
            (Key::Char('8'), CTRL, &[0x7f]),
            // Characters ctrl has no code for are sent unchanged.
            (Key::Char('1'), CTRL, b"1"),
            (Key::Char('é'), CTRL, "é".as_bytes()),
        ],
    );
}

#[test]
fn alt_prefixes_escape() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Char('x'), ALT, b"\x1bx"),
            (Key::Char('é'), ALT, "\x1bé".as_bytes()),
            (Key::Char('c'), CTRL_ALT, b"\x1b\x03"),
            (Key::Enter, ALT, b"\x1b\r"),
            (Key::Escape, ALT, b"\x1b\x1b"),
            (Key::Backspace, ALT, b"\x1b\x7f"),
            (Key::Backspace, CTRL_ALT, b"\x1b\x08"),
            (Key::Tab, ALT, b"\x1b\t"),
        ],
    );
}

#[test]
fn editing_keys() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Enter, NONE, b"\r"),
            (Key::Enter, SHIFT, b"\r"),
            (Key::Backspace, NONE, &[0x7f]),
            (Key::Backspace, CTRL, &[0x08]),
            (Key::Tab, NONE, b"\t"),
            (Key::Tab, SHIFT, b"\x1b[Z"),
            (Key::Escape, NONE, b"\x1b"),
        ],
    );
}

#[test]
fn cursor_keys_in_normal_mode_use_csi() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Up, NONE, b"\x1b[A"),
            (Key::Down, NONE, b"\x1b[B"),
            (Key::Right, NONE, b"\x1b[C"),
            (Key::Left, NONE, b"\x1b[D"),
            (Key::Home, NONE, b"\x1b[H"),
            (Key::End, NONE, b"\x1b[F"),
        ],
    );
}

#[test]
fn cursor_keys_in_application_mode_use_ss3_until_modified() {
    let modes = InputModes {
        app_cursor: true,
        ..InputModes::default()
    };
    assert_keys(
        modes,
        &[
            (Key::Up, NONE, b"\x1bOA"),
            (Key::Down, NONE, b"\x1bOB"),
            (Key::Right, NONE, b"\x1bOC"),
            (Key::Left, NONE, b"\x1bOD"),
            (Key::Home, NONE, b"\x1bOH"),
            (Key::End, NONE, b"\x1bOF"),
            // A modifier always selects the CSI form.
            (Key::Up, CTRL, b"\x1b[1;5A"),
            (Key::Home, SHIFT, b"\x1b[1;2H"),
            // Keys that are not cursor keys ignore the mode.
            (Key::PageUp, NONE, b"\x1b[5~"),
            (Key::F(1), NONE, b"\x1bOP"),
        ],
    );
}

#[test]
fn modified_cursor_keys_carry_the_xterm_parameter() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Up, SHIFT, b"\x1b[1;2A"),
            (Key::Down, ALT, b"\x1b[1;3B"),
            (Key::Right, CTRL, b"\x1b[1;5C"),
            (Key::Left, CTRL_SHIFT, b"\x1b[1;6D"),
            (Key::Left, CTRL_ALT, b"\x1b[1;7D"),
            (Key::Up, ALL, b"\x1b[1;8A"),
            (Key::Home, SHIFT, b"\x1b[1;2H"),
            (Key::End, CTRL, b"\x1b[1;5F"),
        ],
    );
}

#[test]
fn tilde_keys() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::Insert, NONE, b"\x1b[2~"),
            (Key::Delete, NONE, b"\x1b[3~"),
            (Key::PageUp, NONE, b"\x1b[5~"),
            (Key::PageDown, NONE, b"\x1b[6~"),
            (Key::PageUp, SHIFT, b"\x1b[5;2~"),
            (Key::Delete, CTRL, b"\x1b[3;5~"),
            (Key::PageDown, ALT, b"\x1b[6;3~"),
            (Key::Insert, ALL, b"\x1b[2;8~"),
        ],
    );
}

#[test]
fn function_keys() {
    assert_keys(
        InputModes::default(),
        &[
            (Key::F(1), NONE, b"\x1bOP"),
            (Key::F(2), NONE, b"\x1bOQ"),
            (Key::F(3), NONE, b"\x1bOR"),
            (Key::F(4), NONE, b"\x1bOS"),
            (Key::F(5), NONE, b"\x1b[15~"),
            (Key::F(6), NONE, b"\x1b[17~"),
            (Key::F(7), NONE, b"\x1b[18~"),
            (Key::F(8), NONE, b"\x1b[19~"),
            (Key::F(9), NONE, b"\x1b[20~"),
            (Key::F(10), NONE, b"\x1b[21~"),
            (Key::F(11), NONE, b"\x1b[23~"),
            (Key::F(12), NONE, b"\x1b[24~"),
            (Key::F(1), SHIFT, b"\x1b[1;2P"),
            (Key::F(2), CTRL, b"\x1b[1;5Q"),
            (Key::F(3), ALT, b"\x1b[1;3R"),
            (Key::F(4), CTRL_SHIFT, b"\x1b[1;6S"),
            (Key::F(5), SHIFT, b"\x1b[15;2~"),
            (Key::F(12), CTRL, b"\x1b[24;5~"),
        ],
    );
    assert_eq!(encode_key(Key::F(0), NONE, InputModes::default()), None);
    assert_eq!(encode_key(Key::F(13), NONE, InputModes::default()), None);
}

#[test]
fn plain_paste_turns_line_breaks_into_carriage_returns() {
    let modes = InputModes::default();
    assert_eq!(encode_paste("ls\n", modes), b"ls\r");
    assert_eq!(encode_paste("a\r\nb\nc\rd", modes), b"a\rb\rc\rd");
    assert_eq!(encode_paste("tab\there", modes), b"tab\there");
    assert_eq!(encode_paste("", modes), b"");
}

#[test]
fn bracketed_paste_wraps_the_text_and_keeps_line_breaks() {
    let modes = InputModes {
        bracketed_paste: true,
        ..InputModes::default()
    };
    assert_eq!(encode_paste("echo hi", modes), b"\x1b[200~echo hi\x1b[201~");
    assert_eq!(encode_paste("a\nb", modes), b"\x1b[200~a\nb\x1b[201~");
    assert_eq!(encode_paste("é", modes), "\x1b[200~é\x1b[201~".as_bytes());
}

#[test]
fn bracketed_paste_cannot_end_its_own_bracket() {
    let modes = InputModes {
        bracketed_paste: true,
        ..InputModes::default()
    };
    let bytes = encode_paste("a\x1b[201~b", modes);
    assert_eq!(bytes, b"\x1b[200~a[201~b\x1b[201~");
    let end_markers = bytes
        .windows(6)
        .filter(|window| window == b"\x1b[201~")
        .count();
    assert_eq!(end_markers, 1);
    // The one-character C1 CSI is just as dangerous as ESC [.
    assert_eq!(
        encode_paste("a\u{9b}201~b", modes),
        b"\x1b[200~a201~b\x1b[201~"
    );
}

#[test]
fn paste_drops_control_characters_but_keeps_formatting() {
    let bracketed = InputModes {
        bracketed_paste: true,
        ..InputModes::default()
    };
    assert_eq!(
        encode_paste("x\x03y\x07z\x7f", bracketed),
        b"\x1b[200~xyz\x1b[201~"
    );
    assert_eq!(
        encode_paste("a\tb\x08c\r\n", bracketed),
        b"\x1b[200~a\tb\x08c\r\n\x1b[201~"
    );
    assert_eq!(
        encode_paste("rm x\x1b[A\x1b\n", InputModes::default()),
        b"rm x[A\r"
    );
}

#[test]
fn mouse_off_reports_nothing() {
    let modes = mouse_modes(MouseReport::Off, true);
    for action in [
        MouseAction::Press,
        MouseAction::Release,
        MouseAction::Motion,
    ] {
        assert_eq!(mouse(modes, MouseButton::Left, action, 0, 0), None);
    }
    assert_eq!(
        mouse(modes, MouseButton::WheelUp, MouseAction::Press, 0, 0),
        None
    );
}

#[test]
fn x10_press_and_release() {
    let modes = mouse_modes(MouseReport::Click, false);
    let left = mouse(modes, MouseButton::Left, MouseAction::Press, 0, 0);
    assert_eq!(left.as_deref(), Some(&b"\x1b[M\x20\x21\x21"[..]));
    let middle = mouse(modes, MouseButton::Middle, MouseAction::Press, 1, 2);
    assert_eq!(middle.as_deref(), Some(&b"\x1b[M\x21\x22\x23"[..]));
    let right = mouse(modes, MouseButton::Right, MouseAction::Press, 9, 4);
    assert_eq!(right.as_deref(), Some(&b"\x1b[M\x22\x2a\x25"[..]));
    // X10 cannot name the released button: every release is button 3.
    let release = mouse(modes, MouseButton::Right, MouseAction::Release, 9, 4);
    assert_eq!(release.as_deref(), Some(&b"\x1b[M\x23\x2a\x25"[..]));
}

#[test]
fn mouse_modifiers_add_to_the_button() {
    let modes = mouse_modes(MouseReport::Click, false);
    let press = |mods| encode_mouse(MouseButton::Left, MouseAction::Press, 0, 0, mods, modes);
    assert_eq!(press(SHIFT).as_deref(), Some(&b"\x1b[M\x24\x21\x21"[..]));
    assert_eq!(press(ALT).as_deref(), Some(&b"\x1b[M\x28\x21\x21"[..]));
    assert_eq!(press(CTRL).as_deref(), Some(&b"\x1b[M\x30\x21\x21"[..]));
    let release = encode_mouse(MouseButton::Left, MouseAction::Release, 0, 0, CTRL, modes);
    assert_eq!(release.as_deref(), Some(&b"\x1b[M\x33\x21\x21"[..]));
}

#[test]
fn x10_drops_coordinates_past_223() {
    let modes = mouse_modes(MouseReport::Click, false);
    let last = mouse(modes, MouseButton::Left, MouseAction::Press, 222, 222);
    assert_eq!(last.as_deref(), Some(&b"\x1b[M\x20\xff\xff"[..]));
    assert_eq!(
        mouse(modes, MouseButton::Left, MouseAction::Press, 223, 0),
        None
    );
    assert_eq!(
        mouse(modes, MouseButton::Left, MouseAction::Press, 0, 300),
        None
    );
}

#[test]
fn utf8_mouse_writes_large_coordinates_as_two_bytes() {
    let modes = InputModes {
        mouse_utf8: true,
        ..mouse_modes(MouseReport::Click, false)
    };
    // Column 94 is value 127, still one byte; column 95 is value 128, the first two-byte one.
    let small = mouse(modes, MouseButton::Left, MouseAction::Press, 94, 0);
    assert_eq!(small.as_deref(), Some(&b"\x1b[M\x20\x7f\x21"[..]));
    let large = mouse(modes, MouseButton::Left, MouseAction::Press, 95, 299);
    assert_eq!(
        large.as_deref(),
        Some("\x1b[M\u{20}\u{80}\u{14c}".as_bytes())
    );
    assert_eq!(
        mouse(modes, MouseButton::Left, MouseAction::Press, 2015, 0),
        None
    );
}

#[test]
fn sgr_reports_press_release_and_any_coordinate() {
    let modes = mouse_modes(MouseReport::Click, true);
    let press = mouse(modes, MouseButton::Left, MouseAction::Press, 4, 9);
    assert_eq!(press.as_deref(), Some(&b"\x1b[<0;5;10M"[..]));
    let release = mouse(modes, MouseButton::Right, MouseAction::Release, 4, 9);
    assert_eq!(release.as_deref(), Some(&b"\x1b[<2;5;10m"[..]));
    let far = encode_mouse(
        MouseButton::Middle,
        MouseAction::Press,
        499,
        299,
        CTRL,
        modes,
    );
    assert_eq!(far.as_deref(), Some(&b"\x1b[<17;500;300M"[..]));
}

#[test]
fn wheel_reports_buttons_64_and_65_without_release() {
    let sgr = mouse_modes(MouseReport::Click, true);
    let up = mouse(sgr, MouseButton::WheelUp, MouseAction::Press, 0, 0);
    assert_eq!(up.as_deref(), Some(&b"\x1b[<64;1;1M"[..]));
    let down = encode_mouse(MouseButton::WheelDown, MouseAction::Press, 2, 3, SHIFT, sgr);
    assert_eq!(down.as_deref(), Some(&b"\x1b[<69;3;4M"[..]));
    assert_eq!(
        mouse(sgr, MouseButton::WheelUp, MouseAction::Release, 0, 0),
        None
    );
    let x10 = mouse_modes(MouseReport::Click, false);
    let up = mouse(x10, MouseButton::WheelUp, MouseAction::Press, 0, 0);
    assert_eq!(up.as_deref(), Some(&b"\x1b[M\x60\x21\x21"[..]));
    let down = mouse(x10, MouseButton::WheelDown, MouseAction::Press, 0, 0);
    assert_eq!(down.as_deref(), Some(&b"\x1b[M\x61\x21\x21"[..]));
}

#[test]
fn motion_is_reported_as_the_tracking_mode_asks() {
    let drag = |report| {
        mouse(
            mouse_modes(report, true),
            MouseButton::Left,
            MouseAction::Motion,
            1,
            1,
        )
    };
    let hover = |report| {
        mouse(
            mouse_modes(report, true),
            MouseButton::NoButton,
            MouseAction::Motion,
            1,
            1,
        )
    };
    assert_eq!(drag(MouseReport::Click), None);
    assert_eq!(hover(MouseReport::Click), None);
    assert_eq!(
        drag(MouseReport::Drag).as_deref(),
        Some(&b"\x1b[<32;2;2M"[..])
    );
    assert_eq!(hover(MouseReport::Drag), None);
    assert_eq!(
        drag(MouseReport::Motion).as_deref(),
        Some(&b"\x1b[<32;2;2M"[..])
    );
    assert_eq!(
        hover(MouseReport::Motion).as_deref(),
        Some(&b"\x1b[<35;2;2M"[..])
    );
    let x10 = mouse_modes(MouseReport::Motion, false);
    let hover = mouse(x10, MouseButton::NoButton, MouseAction::Motion, 0, 0);
    assert_eq!(hover.as_deref(), Some(&b"\x1b[M\x43\x21\x21"[..]));
    let right_drag = mouse(x10, MouseButton::Right, MouseAction::Motion, 0, 0);
    assert_eq!(right_drag.as_deref(), Some(&b"\x1b[M\x42\x21\x21"[..]));
}

#[test]
fn no_button_never_presses_or_releases() {
    let modes = mouse_modes(MouseReport::Motion, true);
    assert_eq!(
        mouse(modes, MouseButton::NoButton, MouseAction::Press, 0, 0),
        None
    );
    assert_eq!(
        mouse(modes, MouseButton::NoButton, MouseAction::Release, 0, 0),
        None
    );
}

#[test]
fn alternate_scroll_sends_arrows_on_the_alternate_screen() {
    let modes = InputModes {
        alt_screen: true,
        alternate_scroll: true,
        ..InputModes::default()
    };
    let up = encode_alternate_scroll(ScrollDirection::Up, 3, modes);
    assert_eq!(up.as_deref(), Some(&b"\x1b[A\x1b[A\x1b[A"[..]));
    let app = InputModes {
        app_cursor: true,
        ..modes
    };
    let down = encode_alternate_scroll(ScrollDirection::Down, 2, app);
    assert_eq!(down.as_deref(), Some(&b"\x1bOB\x1bOB"[..]));
    let primary = InputModes {
        alt_screen: false,
        ..modes
    };
    assert_eq!(
        encode_alternate_scroll(ScrollDirection::Up, 1, primary),
        None
    );
    let mouse = InputModes {
        mouse_report: MouseReport::Click,
        ..modes
    };
    assert_eq!(encode_alternate_scroll(ScrollDirection::Up, 1, mouse), None);
    assert_eq!(encode_alternate_scroll(ScrollDirection::Up, 0, modes), None);
}

#[test]
fn focus_is_reported_only_when_asked() {
    let modes = InputModes {
        focus_events: true,
        ..InputModes::default()
    };
    assert_eq!(encode_focus(true, modes).as_deref(), Some(&b"\x1b[I"[..]));
    assert_eq!(encode_focus(false, modes).as_deref(), Some(&b"\x1b[O"[..]));
    assert_eq!(encode_focus(true, InputModes::default()), None);
    assert_eq!(encode_focus(false, InputModes::default()), None);
}

#[test]
fn from_term_mode_reads_every_input_flag() {
    let read = InputModes::from_term_mode;
    assert_eq!(read(TermMode::empty()), InputModes::default());
    assert!(read(TermMode::APP_CURSOR).app_cursor);
    assert!(read(TermMode::APP_KEYPAD).app_keypad);
    assert!(read(TermMode::BRACKETED_PASTE).bracketed_paste);
    assert_eq!(
        read(TermMode::MOUSE_REPORT_CLICK).mouse_report,
        MouseReport::Click
    );
    assert_eq!(read(TermMode::MOUSE_DRAG).mouse_report, MouseReport::Drag);
    assert_eq!(
        read(TermMode::MOUSE_MOTION).mouse_report,
        MouseReport::Motion
    );
    assert!(read(TermMode::SGR_MOUSE).mouse_sgr);
    assert!(read(TermMode::UTF8_MOUSE).mouse_utf8);
    assert!(read(TermMode::ALTERNATE_SCROLL).alternate_scroll);
    assert!(read(TermMode::ALT_SCREEN).alt_screen);
    assert!(read(TermMode::FOCUS_IN_OUT).focus_events);
    // Alacritty starts with alternate scroll on; the other defaults do not touch input.
    let fresh = InputModes {
        alternate_scroll: true,
        ..InputModes::default()
    };
    assert_eq!(read(TermMode::default()), fresh);
    // With several tracking modes set, the widest one wins.
    let both = TermMode::MOUSE_REPORT_CLICK | TermMode::MOUSE_DRAG;
    assert_eq!(read(both).mouse_report, MouseReport::Drag);
    assert_eq!(read(TermMode::MOUSE_MODE).mouse_report, MouseReport::Motion);
}
