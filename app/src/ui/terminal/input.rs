//! Keyboard input of the focused pane: each key, text and paste event of the frame, encoded
//! as the program in the pane expects it, written to its terminal.

use egui::Event;
use spaces_term::input;

use super::keyboard;
use crate::model::Pane;

pub(super) fn handle_keyboard(ui: &egui::Ui, pane: &Pane) {
    let (events, held) = ui.input(|input| (input.events.clone(), input.modifiers));
    let modes = pane.input_modes();
    let mut typed = false;
    for event in &events {
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
}
