//! The system clipboard and, on Linux, the primary selection (select to copy, middle-click to
//! paste), through arboard. Without a clipboard (headless tests) both are kept in memory.

use arboard::{GetExtLinux, LinuxClipboardKind, SetExtLinux};

pub struct Clipboard {
    system: Option<arboard::Clipboard>,
    /// Fallback when no system clipboard is reachable.
    memory: [String; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Clipboard,
    Primary,
}

impl Selection {
    fn kind(self) -> LinuxClipboardKind {
        match self {
            Selection::Clipboard => LinuxClipboardKind::Clipboard,
            Selection::Primary => LinuxClipboardKind::Primary,
        }
    }

    fn slot(self) -> usize {
        match self {
            Selection::Clipboard => 0,
            Selection::Primary => 1,
        }
    }
}

impl Clipboard {
    pub fn new(use_system: bool) -> Self {
        let system = if use_system {
            match arboard::Clipboard::new() {
                Ok(clipboard) => Some(clipboard),
                Err(error) => {
                    tracing::warn!(%error, "no system clipboard; copy and paste stay inside Spaces");
                    None
                }
            }
        } else {
            None
        };
        Self {
            system,
            memory: [String::new(), String::new()],
        }
    }

    pub fn set(&mut self, selection: Selection, text: String) {
        if let Some(system) = &mut self.system
            && let Err(error) = system.set().clipboard(selection.kind()).text(text.clone())
        {
            tracing::warn!(%error, "could not set the clipboard");
        }
        self.memory[selection.slot()] = text;
    }

    pub fn get(&mut self, selection: Selection) -> Option<String> {
        if let Some(system) = &mut self.system {
            match system.get().clipboard(selection.kind()).text() {
                Ok(text) => return Some(text),
                Err(error) => tracing::debug!(%error, "clipboard read failed"),
            }
        }
        let text = &self.memory[selection.slot()];
        (!text.is_empty()).then(|| text.clone())
    }
}
