//! Every user action as one `Command`: menus, keyboard shortcuts and the command palette all
//! produce these, and `SpacesApp::execute` handles them in one place.

use egui::{Key, KeyboardShortcut, Modifiers};

/// Declares the `Command` enum and `Command::ALL` from one list, so no command can be left
/// out of the palette, the shortcut handler or the menus (they all iterate `ALL`).
macro_rules! commands {
    ($($command:ident),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Command {
            $($command),*
        }

        impl Command {
            /// Every command, in the order the palette and menus list them.
            pub const ALL: &[Command] = &[$(Command::$command),*];
        }
    };
}

commands![
    SplitRight,
    SplitDown,
    NewTab,
    RestartPane,
    ClosePane,
    FocusLeft,
    FocusRight,
    FocusUp,
    FocusDown,
    NextTab,
    PreviousTab,
    Copy,
    Paste,
    PastePrimary,
    SelectAll,
    FindInPane,
    ClearScrollback,
    ScrollPageUp,
    ScrollPageDown,
    ScrollToBottom,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    CommandPalette,
    Settings,
    ShowHistory,
    ToggleSessions,
    ToggleUsage,
    SearchEverything,
    NewAgentPane,
    RerunCommand,
    NewWorkspace,
    RenameWorkspace,
    NextWorkspace,
    PreviousWorkspace,
    ToggleNotes,
    ToggleSidebar,
    WorkspaceSettings,
    NewWorktreePane,
    ExportWorkspace,
    ImportWorkspace,
    ArchiveWorkspace,
    DeleteWorkspace,
    Quit,
];

/// The menus of the menu bar, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Menu {
    Spaces,
    Workspace,
    Pane,
    Edit,
    View,
}

impl Menu {
    pub const ALL: &[Menu] = &[
        Menu::Spaces,
        Menu::Workspace,
        Menu::Pane,
        Menu::Edit,
        Menu::View,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Menu::Spaces => "Spaces",
            Menu::Workspace => "Workspace",
            Menu::Pane => "Pane",
            Menu::Edit => "Edit",
            Menu::View => "View",
        }
    }

    /// The commands of this menu, in `Command::ALL` order.
    pub fn commands(self) -> impl Iterator<Item = Command> {
        Command::ALL
            .iter()
            .copied()
            .filter(move |command| command.menu() == Some(self))
    }
}

/// The modifiers of every Spaces shortcut (Ctrl+Shift), as a keyboard on Linux reports them.
pub const CTRL_SHIFT: Modifiers = Modifiers {
    alt: false,
    ctrl: true,
    shift: true,
    mac_cmd: false,
    command: true,
};

const SHIFT: Modifiers = Modifiers::SHIFT;

impl Command {
    pub fn label(self) -> &'static str {
        match self {
            Command::SplitRight => "Split pane right",
            Command::SplitDown => "Split pane down",
            Command::NewTab => "New tab in this pane group",
            Command::ClosePane => "Close pane",
            Command::RestartPane => "Restart pane",
            Command::FocusLeft => "Focus pane to the left",
            Command::FocusRight => "Focus pane to the right",
            Command::FocusUp => "Focus pane above",
            Command::FocusDown => "Focus pane below",
            Command::NextTab => "Next tab",
            Command::PreviousTab => "Previous tab",
            Command::Copy => "Copy selection",
            Command::Paste => "Paste",
            Command::PastePrimary => "Paste primary selection",
            Command::SelectAll => "Select all",
            Command::FindInPane => "Find in this pane",
            Command::ClearScrollback => "Clear scrollback",
            Command::ScrollPageUp => "Scroll up one page",
            Command::ScrollPageDown => "Scroll down one page",
            Command::ScrollToBottom => "Scroll to bottom",
            Command::ZoomIn => "Increase font size",
            Command::ZoomOut => "Decrease font size",
            Command::ZoomReset => "Reset font size",
            Command::CommandPalette => "Command palette",
            Command::Settings => "Settings",
            Command::ShowHistory => "Show full history of this pane",
            Command::ToggleSessions => "Agent sessions (find, search, resume)",
            Command::ToggleUsage => "Usage and cost of the agents",
            Command::SearchEverything => {
                "Search everything (every pane's history, notes, sessions)"
            }
            Command::NewAgentPane => "New agent pane (Claude Code, Codex, Gemini)",
            Command::RerunCommand => "Run the restored pane's last command again",
            Command::NewWorkspace => "New workspace",
            Command::RenameWorkspace => "Rename this workspace",
            Command::NextWorkspace => "Next workspace",
            Command::PreviousWorkspace => "Previous workspace",
            Command::ToggleNotes => "Notes of this workspace",
            Command::ToggleSidebar => "Show or hide the workspace sidebar",
            Command::WorkspaceSettings => {
                "Settings of this workspace (root, environment, worktrees)"
            }
            Command::NewWorktreePane => "New pane in a git worktree…",
            Command::ExportWorkspace => "Export this workspace to a file…",
            Command::ImportWorkspace => "Import a workspace from a file…",
            Command::ArchiveWorkspace => {
                "Archive this workspace (end its programs, keep everything)"
            }
            Command::DeleteWorkspace => "Delete this workspace…",
            Command::Quit => "Quit Spaces",
        }
    }

    /// The menu the command appears in; `None` for keyboard-only commands (they are in the
    /// palette all the same).
    pub fn menu(self) -> Option<Menu> {
        match self {
            Command::CommandPalette | Command::Settings | Command::Quit => Some(Menu::Spaces),
            Command::SplitRight
            | Command::SplitDown
            | Command::NewTab
            | Command::RestartPane
            | Command::ClosePane
            | Command::NewAgentPane
            | Command::RerunCommand => Some(Menu::Pane),
            Command::Copy
            | Command::Paste
            | Command::PastePrimary
            | Command::SelectAll
            | Command::FindInPane
            | Command::ClearScrollback => Some(Menu::Edit),
            Command::FocusLeft
            | Command::FocusRight
            | Command::FocusUp
            | Command::FocusDown
            | Command::NextTab
            | Command::PreviousTab
            | Command::ZoomIn
            | Command::ZoomOut
            | Command::ZoomReset
            | Command::ShowHistory
            | Command::ToggleSessions
            | Command::ToggleUsage
            | Command::SearchEverything => Some(Menu::View),
            Command::NewWorkspace
            | Command::RenameWorkspace
            | Command::NextWorkspace
            | Command::PreviousWorkspace
            | Command::ToggleNotes
            | Command::ToggleSidebar
            | Command::WorkspaceSettings
            | Command::NewWorktreePane
            | Command::ExportWorkspace
            | Command::ImportWorkspace
            | Command::ArchiveWorkspace
            | Command::DeleteWorkspace => Some(Menu::Workspace),
            Command::ScrollPageUp | Command::ScrollPageDown | Command::ScrollToBottom => None,
        }
    }

    /// The command's name in `config.toml`'s `[keys]`: `SplitRight` is `split_right`.
    pub fn name(self) -> String {
        let mut name = String::new();
        for (index, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() && index > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// The keyboard shortcut in force: the user's (`[keys]`), else the default.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        super::keymap::override_for(self).unwrap_or_else(|| self.default_shortcut())
    }

    /// The default shortcut. All use Ctrl+Shift (or Shift+PageUp/Down, as in most terminals)
    /// so that every plain Ctrl and Alt combination still reaches the programs in the panes.
    pub fn default_shortcut(self) -> Option<KeyboardShortcut> {
        let ctrl_shift = |key| Some(KeyboardShortcut::new(CTRL_SHIFT, key));
        match self {
            Command::SplitRight => ctrl_shift(Key::E),
            Command::SplitDown => ctrl_shift(Key::O),
            Command::NewTab => ctrl_shift(Key::T),
            Command::ClosePane => ctrl_shift(Key::W),
            Command::RestartPane => ctrl_shift(Key::R),
            Command::FocusLeft => ctrl_shift(Key::ArrowLeft),
            Command::FocusRight => ctrl_shift(Key::ArrowRight),
            Command::FocusUp => ctrl_shift(Key::ArrowUp),
            Command::FocusDown => ctrl_shift(Key::ArrowDown),
            Command::NextTab => ctrl_shift(Key::PageDown),
            Command::PreviousTab => ctrl_shift(Key::PageUp),
            Command::Copy => ctrl_shift(Key::C),
            Command::Paste => ctrl_shift(Key::V),
            Command::PastePrimary => Some(KeyboardShortcut::new(SHIFT, Key::Insert)),
            Command::SelectAll => ctrl_shift(Key::A),
            Command::FindInPane => ctrl_shift(Key::F),
            Command::ClearScrollback => ctrl_shift(Key::K),
            Command::ScrollPageUp => Some(KeyboardShortcut::new(SHIFT, Key::PageUp)),
            Command::ScrollPageDown => Some(KeyboardShortcut::new(SHIFT, Key::PageDown)),
            Command::ScrollToBottom => Some(KeyboardShortcut::new(SHIFT, Key::End)),
            Command::ZoomIn => ctrl_shift(Key::Equals),
            Command::ZoomOut => ctrl_shift(Key::Minus),
            Command::ZoomReset => ctrl_shift(Key::Num0),
            Command::CommandPalette => ctrl_shift(Key::P),
            Command::Settings => ctrl_shift(Key::Comma),
            Command::ShowHistory => ctrl_shift(Key::H),
            Command::ToggleSessions => ctrl_shift(Key::S),
            Command::ToggleUsage => ctrl_shift(Key::U),
            Command::SearchEverything => ctrl_shift(Key::G),
            Command::NewAgentPane => ctrl_shift(Key::N),
            Command::RerunCommand => ctrl_shift(Key::Enter),
            Command::NewWorkspace => ctrl_shift(Key::Y),
            Command::ToggleNotes => ctrl_shift(Key::J),
            Command::ToggleSidebar => ctrl_shift(Key::B),
            Command::NextWorkspace => ctrl_shift(Key::CloseBracket),
            Command::PreviousWorkspace => ctrl_shift(Key::OpenBracket),
            Command::RenameWorkspace
            | Command::WorkspaceSettings
            | Command::NewWorktreePane
            | Command::ExportWorkspace
            | Command::ImportWorkspace
            | Command::ArchiveWorkspace
            | Command::DeleteWorkspace => None,
            Command::Quit => ctrl_shift(Key::Q),
        }
    }

    /// The shortcut as people read it, e.g. "Ctrl+Shift+E".
    pub fn shortcut_text(self) -> String {
        self.shortcut().map_or_else(String::new, |shortcut| {
            let mut parts = Vec::new();
            for (held, name) in [
                (shortcut.modifiers.ctrl, "Ctrl"),
                (shortcut.modifiers.alt, "Alt"),
                (shortcut.modifiers.shift, "Shift"),
            ] {
                if held {
                    parts.push(name);
                }
            }
            parts.push(key_name(shortcut.logical_key));
            parts.join("+")
        })
    }
}

/// Takes the key press of `shortcut` out of this frame's input, if there is one. The key is
/// matched by what it types or by where it is: with Shift held, the `=` key types `+` and `0`
/// types `)` on most layouts, and Ctrl+Shift+= must still zoom in. Modifiers match exactly.
pub fn consume_shortcut(input: &mut egui::InputState, shortcut: &KeyboardShortcut) -> bool {
    let wanted = shortcut.logical_key;
    let position = input.events.iter().position(|event| {
        matches!(
            event,
            egui::Event::Key { key, physical_key, pressed: true, modifiers, .. }
                if (*key == wanted || *physical_key == Some(wanted))
                    && modifiers.ctrl == shortcut.modifiers.ctrl
                    && modifiers.shift == shortcut.modifiers.shift
                    && modifiers.alt == shortcut.modifiers.alt
        )
    });
    match position {
        Some(index) => {
            input.events.remove(index);
            true
        }
        None => false,
    }
}

fn key_name(key: Key) -> &'static str {
    match key {
        Key::ArrowLeft => "Left",
        Key::ArrowRight => "Right",
        Key::ArrowUp => "Up",
        Key::ArrowDown => "Down",
        Key::PageUp => "PgUp",
        Key::PageDown => "PgDn",
        Key::Equals => "=",
        Key::Minus => "-",
        Key::Num0 => "0",
        Key::Comma => ",",
        Key::OpenBracket => "[",
        Key::CloseBracket => "]",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for command in Command::ALL {
            if let Some(shortcut) = command.default_shortcut() {
                assert!(
                    seen.insert((shortcut.modifiers, shortcut.logical_key)),
                    "{command:?} reuses a shortcut"
                );
            }
        }
    }

    #[test]
    fn shortcut_text_reads_naturally() {
        assert_eq!(Command::SplitRight.name(), "split_right");
        assert_eq!(Command::SplitRight.shortcut_text(), "Ctrl+Shift+E");
        assert_eq!(Command::FocusLeft.shortcut_text(), "Ctrl+Shift+Left");
        assert_eq!(Command::ScrollPageUp.shortcut_text(), "Shift+PgUp");
    }

    #[test]
    fn labels_are_unique_and_each_finds_its_command_in_the_palette() {
        let mut seen = std::collections::HashSet::new();
        for command in Command::ALL {
            let label = command.label();
            assert!(!label.trim().is_empty(), "{command:?} has no label");
            assert!(seen.insert(label), "{command:?} shares its label {label:?}");
            assert!(
                crate::ui::palette::CommandPalette::matches(label).contains(command),
                "typing {label:?} in the palette does not find {command:?}"
            );
        }
    }

    #[test]
    fn every_command_can_be_reached_without_the_palette() {
        for command in Command::ALL {
            assert!(
                command.menu().is_some() || command.shortcut().is_some(),
                "{command:?} is neither in a menu nor on a key"
            );
        }
    }
}
