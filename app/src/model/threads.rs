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

/// A mutex's guard, also after a thread panicked while holding it (the data is still the
/// last consistent state every user of these mutexes leaves).
pub fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Work on a thread of its own whose one result is picked up when it is ready (by a frame
/// of the window: the UI thread never waits for it).
pub struct Background<T> {
    result: std::sync::Arc<std::sync::Mutex<Option<T>>>,
}

impl<T: Send + 'static> Background<T> {
    /// Runs `work` on a thread named `name`, then `done` (to wake whoever waits). When no
    /// thread can be started, the result is `failed(error)` at once.
    pub fn spawn(
        name: &str,
        work: impl FnOnce() -> T + Send + 'static,
        done: impl FnOnce() + Send + 'static,
        failed: impl FnOnce(std::io::Error) -> T,
    ) -> Self {
        let result = std::sync::Arc::new(std::sync::Mutex::new(None));
        let slot = result.clone();
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let value = work();
                *lock(&slot) = Some(value);
                done();
            });
        if let Err(error) = spawned {
            *lock(&result) = Some(failed(error));
        }
        Self { result }
    }

    /// The result, once it is there (and only once).
    pub fn take(&self) -> Option<T> {
        lock(&self.result).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_result_is_taken_once_when_ready() {
        let (tell, told) = crossbeam_channel::bounded(1);
        let job = Background::spawn(
            "test",
            || 6 * 7,
            move || tell.send(()).expect("told"),
            |_| 0,
        );
        told.recv().expect("done");
        assert_eq!(job.take(), Some(42));
        assert_eq!(job.take(), None);
    }
}
