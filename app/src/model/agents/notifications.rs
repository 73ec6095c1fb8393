//! Desktop notifications (freedesktop `org.freedesktop.Notifications` over the session D-Bus):
//! "claude is waiting in workspace api". Clicking one reports its pane back. Without a session
//! bus, or without a notification server on it, nothing is shown and nothing fails: the
//! thread notes it once in the log and drops what it is given.

use std::collections::HashMap;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use futures_lite::StreamExt as _;
use spaces_term::PaneId;

const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";

/// One notification to show.
#[derive(Clone, Debug)]
pub struct Note {
    pub pane: PaneId,
    pub summary: String,
    pub body: String,
}

/// The window's handle: send notes, collect the panes whose notification was clicked.
pub struct Notifier {
    notes: Sender<Note>,
    pub clicked: Receiver<PaneId>,
}

impl Notifier {
    /// Starts the thread that talks to D-Bus; `wake` is called when a notification is clicked.
    pub fn start(wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        let (notes, incoming) = crossbeam_channel::unbounded::<Note>();
        let (clicks, clicked) = crossbeam_channel::unbounded();
        let spawned = std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || {
                if let Err(error) = futures_lite::future::block_on(run(&incoming, &clicks, &*wake))
                {
                    tracing::info!(%error, "desktop notifications are off (no D-Bus session bus)");
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "the notification thread did not start");
        }
        Self { notes, clicked }
    }

    pub fn notify(&self, note: Note) {
        let _off = self.notes.send(note);
    }
}

async fn run(
    incoming: &Receiver<Note>,
    clicks: &Sender<PaneId>,
    wake: &(dyn Fn() + Send + Sync),
) -> zbus::Result<()> {
    let connection = zbus::Connection::session().await?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(BUS_NAME)?
        .member("ActionInvoked")?
        .build();
    let mut signals = zbus::MessageStream::for_match_rule(rule, &connection, Some(64)).await?;
    let shown: Arc<std::sync::Mutex<HashMap<u32, PaneId>>> = Arc::default();
    // Notes are sent from a thread of their own; this one waits for clicks.
    let sender = {
        let shown = shown.clone();
        let incoming = incoming.clone();
        std::thread::Builder::new()
            .name("notifications-send".into())
            .spawn(move || {
                while let Ok(note) = incoming.recv() {
                    match futures_lite::future::block_on(show(&connection, &note)) {
                        Ok(id) => {
                            crate::model::threads::lock(&shown).insert(id, note.pane);
                        }
                        Err(error) => {
                            tracing::info!(%error, "a desktop notification was not shown");
                        }
                    }
                }
            })
    };
    if let Err(error) = sender {
        tracing::warn!(%error, "the notification thread did not start");
        return Ok(());
    }
    while let Some(Ok(message)) = signals.next().await {
        let Ok((id, _action)) = message.body().deserialize::<(u32, String)>() else {
            continue;
        };
        let pane = crate::model::threads::lock(&shown).get(&id).copied();
        if let Some(pane) = pane {
            let _closed = clicks.send(pane);
            wake();
        }
    }
    Ok(())
}

/// Shows one note; its notification id.
async fn show(connection: &zbus::Connection, note: &Note) -> zbus::Result<u32> {
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    let reply = connection
        .call_method(
            Some(BUS_NAME),
            OBJECT_PATH,
            Some(BUS_NAME),
            "Notify",
            &(
                "Spaces",
                0u32,
                "utilities-terminal",
                note.summary.as_str(),
                note.body.as_str(),
                vec!["default", "Show pane"],
                hints,
                -1i32,
            ),
        )
        .await?;
    reply.body().deserialize::<u32>()
}
