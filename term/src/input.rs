//! Turns key presses, pastes, mouse events and focus changes into the bytes xterm sends a PTY.
//!
//! Everything here is a pure function of the event and the terminal's current modes, so the view
//! can call it without holding the terminal lock beyond reading [`InputModes`].

use alacritty_terminal::term::TermMode;

mod kitty;
pub use kitty::KittyFlags;

/// The escape character that starts every control sequence.
const ESC: u8 = 0x1b;

/// The largest 0-based cell coordinate the X10 mouse encoding can carry in one byte (32 + 1 + 222).
const X10_MAX_COORDINATE: usize = 222;

/// The largest 0-based cell coordinate the UTF-8 mouse encoding (1005) can carry in two bytes.
const UTF8_MAX_COORDINATE: usize = 2014;

/// A key as the terminal sees it, after the keyboard layout has been applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character, already shifted by the caller (shift+a arrives as `'A'`).
    Char(char),
    Enter,
    Backspace,
    Tab,
    Escape,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Delete,
    /// A function key, `F(1)` to `F(12)`; other numbers send nothing.
    F(u8),
}

/// The modifier keys held during a key press or mouse event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
}

impl Modifiers {
    /// No modifier held.
    pub const NONE: Self = Self {
        shift: false,
        ctrl: false,
        alt: false,
    };
    /// Only shift held.
    pub const SHIFT: Self = Self {
        shift: true,
        ctrl: false,
        alt: false,
    };
    /// Only ctrl held.
    pub const CTRL: Self = Self {
        shift: false,
        ctrl: true,
        alt: false,
    };
    /// Only alt held.
    pub const ALT: Self = Self {
        shift: false,
        ctrl: false,
        alt: true,
    };

    /// True when no modifier is held.
    pub fn is_empty(self) -> bool {
        self == Self::NONE
    }

    /// The xterm modifier parameter (`1 + shift + 2*alt + 4*ctrl`), or `None` without modifiers.
    fn xterm_parameter(self) -> Option<u8> {
        if self.is_empty() {
            return None;
        }
        Some(1 + u8::from(self.shift) + 2 * u8::from(self.alt) + 4 * u8::from(self.ctrl))
    }
}

/// Which mouse events the application asked to receive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MouseReport {
    /// No mouse reporting; the terminal keeps the mouse for selection and scrolling.
    #[default]
    Off,
    /// Mode 1000: button presses and releases.
    Click,
    /// Mode 1002: presses, releases and motion while a button is held.
    Drag,
    /// Mode 1003: presses, releases and all motion.
    Motion,
}

/// The terminal modes that change what input bytes look like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputModes {
    /// DECCKM: unmodified arrows, Home and End send SS3 instead of CSI.
    pub app_cursor: bool,
    /// DECKPAM: the application asked for keypad application mode.
    pub app_keypad: bool,
    /// Mode 2004: pastes are wrapped in `ESC[200~` / `ESC[201~`.
    pub bracketed_paste: bool,
    pub mouse_report: MouseReport,
    /// Mode 1006: mouse events use the SGR encoding.
    pub mouse_sgr: bool,
    /// Mode 1005: mouse coordinates above 94 use two-byte UTF-8.
    pub mouse_utf8: bool,
    /// Mode 1007: the wheel sends arrow keys on the alternate screen.
    pub alternate_scroll: bool,
    /// The alternate screen is showing.
    pub alt_screen: bool,
    /// Mode 1004: focus changes are reported as `ESC[I` / `ESC[O`.
    pub focus_events: bool,
    /// The kitty keyboard protocol's flags the program pushed (all off: legacy keys).
    pub kitty: KittyFlags,
}

impl InputModes {
    /// Reads the input-related flags out of alacritty's terminal mode.
    pub fn from_term_mode(mode: TermMode) -> Self {
        Self {
            app_cursor: mode.contains(TermMode::APP_CURSOR),
            app_keypad: mode.contains(TermMode::APP_KEYPAD),
            bracketed_paste: mode.contains(TermMode::BRACKETED_PASTE),
            mouse_report: mouse_report_from_term_mode(mode),
            mouse_sgr: mode.contains(TermMode::SGR_MOUSE),
            mouse_utf8: mode.contains(TermMode::UTF8_MOUSE),
            alternate_scroll: mode.contains(TermMode::ALTERNATE_SCROLL),
            alt_screen: mode.contains(TermMode::ALT_SCREEN),
            focus_events: mode.contains(TermMode::FOCUS_IN_OUT),
            kitty: KittyFlags {
                disambiguate: mode.contains(TermMode::DISAMBIGUATE_ESC_CODES),
                alternate_keys: mode.contains(TermMode::REPORT_ALTERNATE_KEYS),
                all_keys_as_escapes: mode.contains(TermMode::REPORT_ALL_KEYS_AS_ESC),
                associated_text: mode.contains(TermMode::REPORT_ASSOCIATED_TEXT),
            },
        }
    }
}

/// Alacritty keeps the three tracking modes as separate flags; the widest one wins.
fn mouse_report_from_term_mode(mode: TermMode) -> MouseReport {
    if mode.contains(TermMode::MOUSE_MOTION) {
        MouseReport::Motion
    } else if mode.contains(TermMode::MOUSE_DRAG) {
        MouseReport::Drag
    } else if mode.contains(TermMode::MOUSE_REPORT_CLICK) {
        MouseReport::Click
    } else {
        MouseReport::Off
    }
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// Bytes for one key press, as xterm sends them; None when the key sends nothing.
pub fn encode_key(key: Key, mods: Modifiers, modes: InputModes) -> Option<Vec<u8>> {
    if let Some(bytes) = kitty::encode_key(key, mods, modes) {
        return Some(bytes);
    }
    match key {
        Key::Char(character) => Some(encode_char(character, mods)),
        Key::Enter => Some(with_alt_prefix(b"\r", mods)),
        Key::Backspace => Some(encode_backspace(mods)),
        Key::Tab => Some(encode_tab(mods)),
        Key::Escape => Some(with_alt_prefix(&[ESC], mods)),
        Key::Up => Some(cursor_key(b'A', mods, modes)),
        Key::Down => Some(cursor_key(b'B', mods, modes)),
        Key::Right => Some(cursor_key(b'C', mods, modes)),
        Key::Left => Some(cursor_key(b'D', mods, modes)),
        Key::Home => Some(cursor_key(b'H', mods, modes)),
        Key::End => Some(cursor_key(b'F', mods, modes)),
        Key::Insert => Some(tilde_key(2, mods)),
        Key::Delete => Some(tilde_key(3, mods)),
        Key::PageUp => Some(tilde_key(5, mods)),
        Key::PageDown => Some(tilde_key(6, mods)),
        Key::F(number) => encode_function_key(number, mods),
    }
}

/// Text the keyboard layout typed (`mods`: Alt and Shift held; Shift is already in the
/// text): the text itself, ESC before it under Alt, or the kitty protocol's codes when the
/// program asked for them.
pub fn encode_text(text: &str, mods: Modifiers, modes: InputModes) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 1);
    for character in text.chars() {
        match kitty::encode_char(character, mods, modes.kitty) {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => {
                let mut buffer = [0; 4];
                out.extend_from_slice(&with_alt_prefix(
                    character.encode_utf8(&mut buffer).as_bytes(),
                    mods,
                ));
            }
        }
    }
    out
}

/// A character, turned into its control code under ctrl and prefixed with ESC under alt.
fn encode_char(character: char, mods: Modifiers) -> Vec<u8> {
    if mods.ctrl
        && let Some(control) = control_code(character)
    {
        return with_alt_prefix(&[control], mods);
    }
    let mut buffer = [0; 4];
    with_alt_prefix(character.encode_utf8(&mut buffer).as_bytes(), mods)
}

/// The C0 byte xterm sends for ctrl plus this character, or None when ctrl changes nothing.
fn control_code(character: char) -> Option<u8> {
    let code = match character {
        'a'..='z' => character as u8 - b'a' + 1,
        'A'..='Z' => character as u8 - b'A' + 1,
        '@' | ' ' | '2' | '`' => 0x00,
        '[' | '3' => ESC,
        '\\' | '4' => 0x1c,
        ']' | '5' => 0x1d,
        '^' | '~' | '6' => 0x1e,
        '_' | '/' | '7' => 0x1f,
        '?' | '8' => 0x7f,
        _ => return None,
    };
    Some(code)
}

/// Alt works as meta: the key's usual bytes preceded by ESC.
fn with_alt_prefix(bytes: &[u8], mods: Modifiers) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    if mods.alt {
        out.push(ESC);
    }
    out.extend_from_slice(bytes);
    out
}

/// Backspace sends DEL; ctrl turns it into BS so programs can tell the two apart.
fn encode_backspace(mods: Modifiers) -> Vec<u8> {
    let byte = if mods.ctrl { 0x08 } else { 0x7f };
    with_alt_prefix(&[byte], mods)
}

/// Tab sends HT; shift+Tab is the back-tab sequence CSI Z.
fn encode_tab(mods: Modifiers) -> Vec<u8> {
    if mods.shift {
        with_alt_prefix(b"\x1b[Z", mods)
    } else {
        with_alt_prefix(b"\t", mods)
    }
}

/// Arrows, Home and End: SS3 in application cursor mode, CSI otherwise, CSI 1;m with modifiers.
fn cursor_key(final_byte: u8, mods: Modifiers, modes: InputModes) -> Vec<u8> {
    match mods.xterm_parameter() {
        Some(parameter) => format!("\x1b[1;{parameter}{}", final_byte as char).into_bytes(),
        None if modes.app_cursor => vec![ESC, b'O', final_byte],
        None => vec![ESC, b'[', final_byte],
    }
}

/// Keys of the form CSI n ~, with the modifier as a second parameter: CSI n;m ~.
fn tilde_key(number: u8, mods: Modifiers) -> Vec<u8> {
    match mods.xterm_parameter() {
        Some(parameter) => format!("\x1b[{number};{parameter}~").into_bytes(),
        None => format!("\x1b[{number}~").into_bytes(),
    }
}

/// F1-F4 use SS3 P..S (CSI 1;m P..S when modified); F5-F12 use the VT220 CSI n ~ numbers.
fn encode_function_key(number: u8, mods: Modifiers) -> Option<Vec<u8>> {
    let tilde_number = match number {
        1..=4 => return Some(pf_key(b'P' + number - 1, mods)),
        5 => 15,
        6 => 17,
        7 => 18,
        8 => 19,
        9 => 20,
        10 => 21,
        11 => 23,
        12 => 24,
        _ => return None,
    };
    Some(tilde_key(tilde_number, mods))
}

/// F1-F4, which xterm sends like the VT100's PF1-PF4 keys.
fn pf_key(final_byte: u8, mods: Modifiers) -> Vec<u8> {
    match mods.xterm_parameter() {
        Some(parameter) => format!("\x1b[1;{parameter}{}", final_byte as char).into_bytes(),
        None => vec![ESC, b'O', final_byte],
    }
}

// ---------------------------------------------------------------------------------------------
// Paste
// ---------------------------------------------------------------------------------------------

/// Text as if pasted: in bracketed mode wrapped with `ESC[200~` / `ESC[201~`, outside it with
/// line breaks turned into the carriage return Enter sends.
///
/// In both modes control characters other than tab, line feed, carriage return and backspace are
/// removed, as xterm does unless `allowPasteControls` is set. Dropping ESC is what keeps pasted
/// text from ending the bracket early with its own `ESC[201~` and running the rest as typed
/// commands; the C1 controls go too, because U+009B is a one-character CSI.
pub fn encode_paste(text: &str, modes: InputModes) -> Vec<u8> {
    let filtered: String = text.chars().filter(|&c| is_allowed_in_paste(c)).collect();
    if modes.bracketed_paste {
        let mut out = Vec::with_capacity(filtered.len() + 12);
        out.extend_from_slice(b"\x1b[200~");
        out.extend_from_slice(filtered.as_bytes());
        out.extend_from_slice(b"\x1b[201~");
        out
    } else {
        filtered
            .replace("\r\n", "\r")
            .replace('\n', "\r")
            .into_bytes()
    }
}

/// Formatting characters survive a paste; every other C0 or C1 control, and DEL, is removed.
fn is_allowed_in_paste(character: char) -> bool {
    matches!(character, '\t' | '\n' | '\r' | '\u{8}') || !character.is_control()
}

// ---------------------------------------------------------------------------------------------
// Mouse
// ---------------------------------------------------------------------------------------------

/// A mouse button, or no button for plain motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseButton {
    Left,
    Middle,
    Right,
    WheelUp,
    WheelDown,
    /// Motion with no button held, reported only in [`MouseReport::Motion`].
    NoButton,
}

impl MouseButton {
    /// The xterm button number before modifiers and the motion flag are added.
    fn code(self) -> u8 {
        match self {
            Self::Left => 0,
            Self::Middle => 1,
            Self::Right => 2,
            Self::NoButton => 3,
            Self::WheelUp => 64,
            Self::WheelDown => 65,
        }
    }

    fn is_wheel(self) -> bool {
        matches!(self, Self::WheelUp | Self::WheelDown)
    }
}

/// What happened to the mouse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseAction {
    Press,
    Release,
    Motion,
}

/// Bytes reporting one mouse event at 0-based cell `col`/`line`, or None when the current mode
/// does not report it.
///
/// SGR (1006) sends `ESC[<b;x;yM` for presses and motion and `...m` for releases. The default
/// X10 encoding sends `ESC[M` and three bytes `32+b, 32+x+1, 32+y+1`, with release as button 3;
/// events past column or line 223 are dropped unless UTF-8 mode (1005) widens the coordinates.
pub fn encode_mouse(
    button: MouseButton,
    action: MouseAction,
    col: usize,
    line: usize,
    mods: Modifiers,
    modes: InputModes,
) -> Option<Vec<u8>> {
    if !is_reported(button, action, modes.mouse_report) {
        return None;
    }
    let code = button_code(button, action, mods);
    if modes.mouse_sgr {
        let final_byte = if action == MouseAction::Release {
            'm'
        } else {
            'M'
        };
        return Some(format!("\x1b[<{code};{};{}{final_byte}", col + 1, line + 1).into_bytes());
    }
    // The X10 encoding has no way to say which button was released.
    let code = if action == MouseAction::Release {
        3 + modifier_bits(mods)
    } else {
        code
    };
    x10_report(code, col, line, modes.mouse_utf8)
}

/// Whether the tracking mode asks for this event at all.
fn is_reported(button: MouseButton, action: MouseAction, report: MouseReport) -> bool {
    match (action, report) {
        (_, MouseReport::Off) => false,
        // Wheel notches are presses only, and a press needs a button.
        (MouseAction::Press, _) => button != MouseButton::NoButton,
        (MouseAction::Release, _) => button != MouseButton::NoButton && !button.is_wheel(),
        (MouseAction::Motion, _) if button.is_wheel() => false,
        (MouseAction::Motion, MouseReport::Click) => false,
        (MouseAction::Motion, MouseReport::Drag) => button != MouseButton::NoButton,
        (MouseAction::Motion, MouseReport::Motion) => true,
    }
}

/// The button number with modifiers (shift 4, alt 8, ctrl 16) and the motion flag (32) added.
fn button_code(button: MouseButton, action: MouseAction, mods: Modifiers) -> u8 {
    let motion = if action == MouseAction::Motion { 32 } else { 0 };
    button.code() + modifier_bits(mods) + motion
}

fn modifier_bits(mods: Modifiers) -> u8 {
    4 * u8::from(mods.shift) + 8 * u8::from(mods.alt) + 16 * u8::from(mods.ctrl)
}

/// `ESC[M` followed by the button byte and the two coordinate bytes.
fn x10_report(code: u8, col: usize, line: usize, utf8: bool) -> Option<Vec<u8>> {
    let limit = if utf8 {
        UTF8_MAX_COORDINATE
    } else {
        X10_MAX_COORDINATE
    };
    if col > limit || line > limit {
        return None;
    }
    let mut out = vec![ESC, b'[', b'M', 32 + code];
    push_x10_coordinate(&mut out, col, utf8);
    push_x10_coordinate(&mut out, line, utf8);
    Some(out)
}

/// One coordinate as the byte `32 + coordinate + 1`. In UTF-8 mode values of 128 and above are
/// written as that code point in two-byte UTF-8 instead; [`x10_report`] has already dropped
/// anything too large for the chosen encoding.
fn push_x10_coordinate(out: &mut Vec<u8>, coordinate: usize, utf8: bool) {
    let value = 32 + 1 + coordinate;
    if utf8 && value >= 0x80 {
        out.push(0xc0 | (value >> 6) as u8);
        out.push(0x80 | (value & 0x3f) as u8);
    } else {
        out.push(value as u8);
    }
}

/// Which way the wheel turned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScrollDirection {
    Up,
    Down,
}

/// Arrow keys for `lines` wheel steps on the alternate screen when mode 1007 is on and no mouse
/// mode claims the wheel, so pagers and editors scroll; None when the wheel should scroll the
/// terminal's own history instead.
pub fn encode_alternate_scroll(
    direction: ScrollDirection,
    lines: usize,
    modes: InputModes,
) -> Option<Vec<u8>> {
    let applies = modes.alt_screen
        && modes.alternate_scroll
        && modes.mouse_report == MouseReport::Off
        && lines > 0;
    if !applies {
        return None;
    }
    let final_byte = match direction {
        ScrollDirection::Up => b'A',
        ScrollDirection::Down => b'B',
    };
    Some(cursor_key(final_byte, Modifiers::NONE, modes).repeat(lines))
}

// ---------------------------------------------------------------------------------------------
// Focus
// ---------------------------------------------------------------------------------------------

/// `ESC[I` when the window gains focus and `ESC[O` when it loses it, only in mode 1004.
pub fn encode_focus(focused: bool, modes: InputModes) -> Option<Vec<u8>> {
    if !modes.focus_events {
        return None;
    }
    Some(if focused {
        b"\x1b[I".to_vec()
    } else {
        b"\x1b[O".to_vec()
    })
}
