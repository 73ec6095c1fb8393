//! The control socket: `spaces cli ...` talks to the running window.
//!
//! - `protocol`: the typed, versioned messages (hello, requests, replies).
//! - `transport`: socket paths, who may connect, one message per line.
//! - `server`: the window's accept loop; requests go to the UI thread.
//! - `client`: what `spaces cli` calls.
//! - `handler`: carries a request out on the window (UI thread).

pub mod client;
pub mod handler;
pub mod protocol;
pub mod server;
pub mod transport;

pub use client::{send_request, send_request_within};
pub use protocol::{PaneInfo, Reply, Request, SplitDirection, StatusInfo, WorkspaceInfo};
pub use server::{ControlServer, PendingRequest, is_already_running};
