//! Turns egui keyboard events into the bytes a terminal program expects (via `term::input`).

use egui::{Event, Key as EguiKey};
use spaces_term::input::{self, InputModes, Key, Modifiers};

/// The bytes for one egui event, or `None` if the event is not terminal input.
pub fn encode_event(event: &Event, held: egui::Modifiers, modes: InputModes) -> Option<Vec<u8>> {
    match event {
        Event::Text(text) => {
            // Alt as Meta: ESC before the character, as xterm's metaSendsEscape (or the kitty
            // protocol's codes when the program asked for them).
            let mods = Modifiers {
                shift: held.shift,
                ctrl: false,
                alt: held.alt,
            };
            Some(input::encode_text(text, mods, modes))
        }
        Event::Key {
            key,
            pressed: true,
            modifiers,
            ..
        } => {
            let mods = Modifiers {
                shift: modifiers.shift,
                ctrl: modifiers.ctrl,
                alt: modifiers.alt,
            };
            if let Some(named) = named_key(*key) {
                return input::encode_key(named, mods, modes);
            }
            // Characters arrive as Text events, except with Ctrl held (egui drops that text).
            if modifiers.ctrl
                && let Some(c) = key_char(*key, modifiers.shift)
            {
                return input::encode_key(Key::Char(c), mods, modes);
            }
            None
        }
        _ => None,
    }
}

fn named_key(key: EguiKey) -> Option<Key> {
    Some(match key {
        EguiKey::Enter => Key::Enter,
        EguiKey::Backspace => Key::Backspace,
        EguiKey::Tab => Key::Tab,
        EguiKey::Escape => Key::Escape,
        EguiKey::ArrowUp => Key::Up,
        EguiKey::ArrowDown => Key::Down,
        EguiKey::ArrowLeft => Key::Left,
        EguiKey::ArrowRight => Key::Right,
        EguiKey::Home => Key::Home,
        EguiKey::End => Key::End,
        EguiKey::PageUp => Key::PageUp,
        EguiKey::PageDown => Key::PageDown,
        EguiKey::Insert => Key::Insert,
        EguiKey::Delete => Key::Delete,
        EguiKey::F1 => Key::F(1),
        EguiKey::F2 => Key::F(2),
        EguiKey::F3 => Key::F(3),
        EguiKey::F4 => Key::F(4),
        EguiKey::F5 => Key::F(5),
        EguiKey::F6 => Key::F(6),
        EguiKey::F7 => Key::F(7),
        EguiKey::F8 => Key::F(8),
        EguiKey::F9 => Key::F(9),
        EguiKey::F10 => Key::F(10),
        EguiKey::F11 => Key::F(11),
        EguiKey::F12 => Key::F(12),
        _ => return None,
    })
}

/// The character a key types, for Ctrl combinations.
fn key_char(key: EguiKey, shift: bool) -> Option<char> {
    let name = key.name();
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_ascii_alphabetic()
    {
        return Some(c.to_ascii_lowercase());
    }
    Some(match key {
        EguiKey::Space => ' ',
        EguiKey::OpenBracket => '[',
        EguiKey::CloseBracket => ']',
        EguiKey::Backslash => '\\',
        EguiKey::Slash if shift => '?',
        EguiKey::Slash => '/',
        EguiKey::Minus if shift => '_',
        EguiKey::Minus => '-',
        EguiKey::Backtick => '`',
        EguiKey::Num2 if shift => '@',
        EguiKey::Num6 if shift => '^',
        EguiKey::Num0 => '0',
        EguiKey::Num1 => '1',
        EguiKey::Num2 => '2',
        EguiKey::Num3 => '3',
        EguiKey::Num4 => '4',
        EguiKey::Num5 => '5',
        EguiKey::Num6 => '6',
        EguiKey::Num7 => '7',
        EguiKey::Num8 => '8',
        EguiKey::Num9 => '9',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: EguiKey, modifiers: egui::Modifiers) -> Event {
        Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers,
        }
    }

    #[test]
    fn ctrl_c_is_interrupt() {
        let bytes = encode_event(
            &key(EguiKey::C, egui::Modifiers::CTRL),
            egui::Modifiers::CTRL,
            InputModes::default(),
        );
        assert_eq!(bytes, Some(vec![0x03]));
    }

    #[test]
    fn text_with_alt_is_meta() {
        let bytes = encode_event(
            &Event::Text("x".into()),
            egui::Modifiers::ALT,
            InputModes::default(),
        );
        assert_eq!(bytes, Some(b"\x1bx".to_vec()));
    }

    #[test]
    fn plain_letters_come_from_text_events_only() {
        let bytes = encode_event(
            &key(EguiKey::A, egui::Modifiers::NONE),
            egui::Modifiers::NONE,
            InputModes::default(),
        );
        assert_eq!(bytes, None);
    }

    #[test]
    fn arrows_follow_cursor_mode() {
        let normal = encode_event(
            &key(EguiKey::ArrowUp, egui::Modifiers::NONE),
            egui::Modifiers::NONE,
            InputModes::default(),
        );
        assert_eq!(normal, Some(b"\x1b[A".to_vec()));
        let app = InputModes {
            app_cursor: true,
            ..InputModes::default()
        };
        let bytes = encode_event(
            &key(EguiKey::ArrowUp, egui::Modifiers::NONE),
            egui::Modifiers::NONE,
            app,
        );
        assert_eq!(bytes, Some(b"\x1bOA".to_vec()));
    }

    #[test]
    fn enter_and_backspace() {
        let enter = encode_event(
            &key(EguiKey::Enter, egui::Modifiers::NONE),
            egui::Modifiers::NONE,
            InputModes::default(),
        );
        assert_eq!(enter, Some(b"\r".to_vec()));
        let backspace = encode_event(
            &key(EguiKey::Backspace, egui::Modifiers::NONE),
            egui::Modifiers::NONE,
            InputModes::default(),
        );
        assert_eq!(backspace, Some(vec![0x7f]));
    }
}
