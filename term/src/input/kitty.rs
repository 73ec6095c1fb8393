//! The kitty keyboard protocol (<https://sw.kovidgoyal.net/kitty/keyboard-protocol/>): keys as
//! `CSI code ; modifiers u` once a program pushed its flags (`CSI > flags u`; alacritty's
//! terminal keeps the stack and answers `CSI ? u`). With "disambiguate" (1) a key whose legacy
//! bytes are ambiguous is sent as an escape: Escape itself, Enter / Tab / Backspace with a
//! modifier (so Shift+Enter is `CSI 13;2u`, a new line rather than "send" for the agent CLIs),
//! and characters with Ctrl or Alt. With "all keys as escapes" (8) every key is, plain text
//! too; "alternate keys" (4) adds the shifted character, "associated text" (16) the text.
//! Key repeats and releases ("event types", 2) are not reported: presses only.

use super::{InputModes, Key, Modifiers};

/// The protocol's flags a program turned on (from alacritty's `TermMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KittyFlags {
    pub disambiguate: bool,
    pub alternate_keys: bool,
    pub all_keys_as_escapes: bool,
    pub associated_text: bool,
}

impl KittyFlags {
    pub fn is_on(self) -> bool {
        self.disambiguate || self.all_keys_as_escapes
    }
}

/// The protocol's bytes for a key, or `None` when the legacy bytes stand (protocol off, or a
/// key the protocol leaves as it was: arrows, F keys, Insert / Delete / Page keys).
pub(super) fn encode_key(key: Key, mods: Modifiers, modes: InputModes) -> Option<Vec<u8>> {
    let flags = modes.kitty;
    if !flags.is_on() {
        return None;
    }
    let code = match key {
        Key::Enter => 13,
        Key::Tab => 9,
        Key::Backspace => 127,
        Key::Escape => 27,
        Key::Char(character) => return encode_char(character, mods, flags),
        _ => return None,
    };
    // Escape is always ambiguous; the others only when modified (unless every key is sent
    // as an escape).
    let escaped = flags.all_keys_as_escapes || key == Key::Escape || !mods.is_empty();
    escaped.then(|| sequence(code, None, mods, None))
}

/// A character typed as text (`text` from the keyboard layout, e.g. "A" for shift+a) with
/// `mods` held; `None` when it is sent as plain text.
pub(super) fn encode_char(character: char, mods: Modifiers, flags: KittyFlags) -> Option<Vec<u8>> {
    if !flags.is_on() {
        return None;
    }
    let base = base_key(character);
    // Shift is part of the character already, unless the key is reported as a code.
    let mods = Modifiers {
        shift: mods.shift || (base != character && character.is_uppercase()),
        ..mods
    };
    let needs_escape = flags.all_keys_as_escapes || mods.ctrl || mods.alt;
    if !needs_escape {
        return None;
    }
    let alternate = (flags.alternate_keys && mods.shift && base != character).then_some(character);
    let text = (flags.associated_text && flags.all_keys_as_escapes && !mods.ctrl && !mods.alt)
        .then_some(character);
    Some(sequence(u32::from(base), alternate, mods, text))
}

/// The key a character is on, as the protocol names keys: the unshifted, lower-case one.
fn base_key(character: char) -> char {
    if character.is_ascii_uppercase() {
        return character.to_ascii_lowercase();
    }
    // The shifted symbols of a US layout, back to their keys.
    const SHIFTED: &[(char, char)] = &[
        ('!', '1'),
        ('@', '2'),
        ('#', '3'),
        ('$', '4'),
        ('%', '5'),
        ('^', '6'),
        ('&', '7'),
        ('*', '8'),
        ('(', '9'),
        (')', '0'),
        ('_', '-'),
        ('+', '='),
        ('{', '['),
        ('}', ']'),
        ('|', '\\'),
        (':', ';'),
        ('"', '\''),
        ('<', ','),
        ('>', '.'),
        ('?', '/'),
        ('~', '`'),
    ];
    SHIFTED
        .iter()
        .find(|(shifted, _)| *shifted == character)
        .map_or_else(
            || character.to_lowercase().next().unwrap_or(character),
            |(_, key)| *key,
        )
}

/// `CSI code[:alternate][;modifiers[;text]] u`.
fn sequence(code: u32, alternate: Option<char>, mods: Modifiers, text: Option<char>) -> Vec<u8> {
    let mut out = format!("\x1b[{code}");
    if let Some(alternate) = alternate {
        out.push_str(&format!(":{}", u32::from(alternate)));
    }
    let modifier = 1 + u8::from(mods.shift) + 2 * u8::from(mods.alt) + 4 * u8::from(mods.ctrl);
    if modifier > 1 || text.is_some() {
        out.push_str(&format!(";{modifier}"));
    }
    if let Some(text) = text {
        out.push_str(&format!(";{}", u32::from(text)));
    }
    out.push('u');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(disambiguate: bool, all: bool, alternate: bool, text: bool) -> InputModes {
        InputModes {
            kitty: KittyFlags {
                disambiguate,
                alternate_keys: alternate,
                all_keys_as_escapes: all,
                associated_text: text,
            },
            ..InputModes::default()
        }
    }

    fn key(key: Key, mods: Modifiers, modes: InputModes) -> Option<String> {
        super::super::encode_key(key, mods, modes)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    const SHIFT: Modifiers = Modifiers::SHIFT;
    const CTRL: Modifiers = Modifiers::CTRL;
    const ALT: Modifiers = Modifiers::ALT;
    const NONE: Modifiers = Modifiers::NONE;

    #[test]
    fn off_the_legacy_bytes_stand() {
        let off = InputModes::default();
        assert_eq!(key(Key::Enter, SHIFT, off).as_deref(), Some("\r"));
        assert_eq!(key(Key::Char('a'), CTRL, off).as_deref(), Some("\x01"));
        assert_eq!(key(Key::Escape, NONE, off).as_deref(), Some("\x1b"));
    }

    #[test]
    fn disambiguate_escapes_what_legacy_bytes_confuse() {
        let on = modes(true, false, false, false);
        // The protocol's own examples: Shift+Enter, Ctrl+a, Alt+a, Escape.
        assert_eq!(key(Key::Enter, SHIFT, on).as_deref(), Some("\x1b[13;2u"));
        assert_eq!(
            key(Key::Enter, Modifiers { ctrl: true, ..NONE }, on).as_deref(),
            Some("\x1b[13;5u")
        );
        assert_eq!(key(Key::Char('a'), CTRL, on).as_deref(), Some("\x1b[97;5u"));
        assert_eq!(key(Key::Char('a'), ALT, on).as_deref(), Some("\x1b[97;3u"));
        assert_eq!(key(Key::Escape, NONE, on).as_deref(), Some("\x1b[27u"));
        assert_eq!(key(Key::Tab, SHIFT, on).as_deref(), Some("\x1b[9;2u"));
        assert_eq!(key(Key::Backspace, ALT, on).as_deref(), Some("\x1b[127;3u"));
        // Unmodified Enter, Tab, Backspace and text stay as they were.
        assert_eq!(key(Key::Enter, NONE, on).as_deref(), Some("\r"));
        assert_eq!(key(Key::Tab, NONE, on).as_deref(), Some("\t"));
        assert_eq!(encode_char('a', NONE, on.kitty), None);
        assert_eq!(encode_char('A', SHIFT, on.kitty), None);
        // Ctrl+Shift+a: the key is `a`, shift is a modifier.
        let ctrl_shift = Modifiers {
            shift: true,
            ctrl: true,
            alt: false,
        };
        assert_eq!(
            key(Key::Char('A'), ctrl_shift, on).as_deref(),
            Some("\x1b[97;6u")
        );
        // Arrows keep their xterm form.
        assert_eq!(key(Key::Up, SHIFT, on).as_deref(), Some("\x1b[1;2A"));
    }

    #[test]
    fn all_keys_as_escapes_with_alternates_and_text() {
        let all = modes(true, true, false, false);
        assert_eq!(key(Key::Enter, NONE, all).as_deref(), Some("\x1b[13u"));
        assert_eq!(
            encode_char('a', NONE, all.kitty).map(String::from_utf8),
            Some(Ok("\x1b[97u".into()))
        );
        assert_eq!(
            encode_char('A', SHIFT, all.kitty).map(String::from_utf8),
            Some(Ok("\x1b[97;2u".into()))
        );
        let alternates = modes(true, true, true, false);
        assert_eq!(
            encode_char('A', SHIFT, alternates.kitty).map(String::from_utf8),
            Some(Ok("\x1b[97:65;2u".into()))
        );
        assert_eq!(
            encode_char('!', SHIFT, alternates.kitty).map(String::from_utf8),
            Some(Ok("\x1b[49:33;2u".into()))
        );
        let text = modes(true, true, false, true);
        assert_eq!(
            encode_char('a', NONE, text.kitty).map(String::from_utf8),
            Some(Ok("\x1b[97;1;97u".into()))
        );
    }
}
