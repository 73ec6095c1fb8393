//! Small helpers for scoped worker threads.

use std::thread::ScopedJoinHandle;

/// Waits for every worker and returns their results in order. A worker's panic is passed on
/// to the caller, never turned into a silently missing result.
pub fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, T>>) -> Vec<T> {
    handles
        .into_iter()
        .map(|handle| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}
