//! The listener alacritty_terminal reports to: answers terminal queries at once, forwards the
//! rest to the app, and swallows everything while old output is being replayed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alacritty_terminal::event::{Event, EventListener};

use crate::terminal::{PaneId, Shared, TerminalEvent, TerminalEventKind};

/// The pane's input queue (drained by its writer thread), shared by the parser thread (query
/// answers) and the UI (keys), so answers and keys keep their order.
pub(crate) type PtyWriter = crossbeam_channel::Sender<Vec<u8>>;

/// Receives the terminal's events. Cloned into the `Term`; all state is shared.
#[derive(Clone)]
pub struct EventProxy {
    pane: PaneId,
    writer: Option<PtyWriter>,
    shared: Arc<Shared>,
    /// While set (replay of recorded output), no event has any effect: old queries must not be
    /// answered into a new shell, touch the clipboard or notify.
    muted: Arc<AtomicBool>,
}

impl EventProxy {
    pub(crate) fn new(pane: PaneId, writer: Option<PtyWriter>, shared: Arc<Shared>) -> Self {
        Self {
            pane,
            writer,
            shared,
            muted: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A listener that drops every event: for replay into a terminal with no process.
    pub fn silent() -> Self {
        let proxy = Self::new(PaneId(0), None, Arc::new(Shared::default()));
        proxy.muted.store(true, Ordering::SeqCst);
        proxy
    }

    pub(crate) fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::SeqCst);
    }

    fn write_to_pty(&self, text: &str) {
        let Some(writer) = &self.writer else { return };
        // After the child exited the writer thread is gone: nothing to answer then.
        if writer.send(text.as_bytes().to_vec()).is_err() {
            tracing::debug!(
                pane = self.pane.0,
                "query answer for an exited pane dropped"
            );
        }
    }

    fn notify(&self, kind: TerminalEventKind) {
        self.shared.send_event(TerminalEvent {
            pane: self.pane,
            kind,
        });
    }
}

impl EventListener for EventProxy {
    fn send_event(&self, event: Event) {
        if self.muted.load(Ordering::Relaxed) {
            return;
        }
        match event {
            Event::PtyWrite(text) => self.write_to_pty(&text),
            // Answered by the feeder from the pane's own colours (`crate::colors`): this
            // listener cannot see them, the terminal being borrowed while it runs.
            Event::ColorRequest(..) => {}
            Event::TextAreaSizeRequest(format) => {
                let size = self.shared.size().window_size();
                self.write_to_pty(&format(size));
            }
            Event::Title(title) => {
                let title = crate::text::cap(title, crate::text::MAX_TITLE_BYTES);
                self.shared.set_title(Some(title.clone()));
                self.notify(TerminalEventKind::Title(Some(title)));
            }
            Event::ResetTitle => {
                self.shared.set_title(None);
                self.notify(TerminalEventKind::Title(None));
            }
            Event::ClipboardStore(kind, text) => self.notify(TerminalEventKind::ClipboardStore {
                primary: kind == alacritty_terminal::term::ClipboardType::Selection,
                text,
            }),
            // Reading the clipboard from the PTY (OSC 52 query) would let any program that
            // prints to a pane read the user's clipboard: refused, as most terminals do.
            Event::ClipboardLoad(..) => {}
            Event::Bell => self.notify(TerminalEventKind::Bell),
            Event::CursorBlinkingChange | Event::MouseCursorDirty => self.shared.wake(),
            Event::Wakeup | Event::Exit | Event::ChildExit(_) => {}
        }
    }
}
