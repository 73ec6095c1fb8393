//! Keyboard input of the focused pane: each key, text and paste event of the frame, encoded
//! as the program in the pane expects it, written to its terminal.

use egui::Event;
use spaces_term::input;

use super::keyboard;
use crate::model::Pane;

/// How long a frame that typed into a pane waits for the program's echo before drawing: a
/// shell or an editor answers a key within a millisecond, and drawing the echo in this frame
/// saves a whole frame (one more buffer swap, ~10 ms on a software-rendered display).
const ECHO_WAIT: std::time::Duration = std::time::Duration::from_millis(4);

/// Types the frame's keys into the pane; returns whether anything was typed.
pub(super) fn handle_keyboard(ui: &egui::Ui, pane: &Pane) -> bool {
    let (events, mut held) = ui.input(|input| (input.events.clone(), input.modifiers));
    let modes = pane.input_modes();
    let mut typed = false;
    if let Some(first) = events.iter().find_map(key_modifiers) {
        // The frame's modifiers are those at its end: a quick Alt+x, released within the
        // frame, would lose its Alt. Each key event says what was held when it came.
        held = first;
    }
    for event in &events {
        if let Some(modifiers) = key_modifiers(event) {
            held = modifiers;
        }
        let bytes = match event {
            Event::Paste(text) => Some(input::encode_paste(text, modes)),
            other => keyboard::encode_event(other, held, modes),
        };
        if let Some(bytes) = bytes {
            pane.terminal.write(bytes);
            typed = true;
        }
    }
    if typed {
        // Typing returns the view to the live screen, as in every terminal.
        pane.scroll_to_bottom();
    }
    typed
}

/// The modifiers a key event carries (those held when it came).
fn key_modifiers(event: &Event) -> Option<egui::Modifiers> {
    match event {
        Event::Key { modifiers, .. } => Some(*modifiers),
        _ => None,
    }
}

/// Waits (at most [`ECHO_WAIT`]) for the pane's screen to change after a key was typed, so
/// that this frame draws the echo. `before` is the terminal's generation before typing.
pub(super) fn wait_for_echo(pane: &Pane, before: u64) {
    let start = std::time::Instant::now();
    while pane.terminal.generation() == before && start.elapsed() < ECHO_WAIT {
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
}
