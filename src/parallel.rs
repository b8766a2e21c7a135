//! Fork–join: two independent computations side by side. burn's CPU backends run each tensor
//! operation on one core, so on a two-core machine the trainer gains by running two of its
//! phases at once (the critic steps beside the generator's rollout; the two halves of a batch).
//! In the browser's worker there is one thread, and the two run one after the other.

use burn::tensor::Device;

/// Runs `first` and `second` (on two threads where the target has threads) and returns both
/// results. A panic in either is resumed on the caller's thread.
pub fn join<A: Send, B: Send>(
    first: impl FnOnce() -> A + Send,
    second: impl FnOnce() -> B + Send,
) -> (A, B) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            let second = scope.spawn(second);
            let first = first();
            (
                first,
                second
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        (first(), second())
    }
}

/// Whether the trainer should cut its batches in two and run the halves side by side: on a CPU
/// device of a native build. Not on a GPU, where the halves would only double the dispatches,
/// nor in the browser, whose worker has one thread.
pub fn splits_batches(device: &Device) -> bool {
    let device = device.clone().inner();
    cfg!(not(target_arch = "wasm32")) && (device == Device::flex() || is_ndarray(&device))
}

#[cfg(not(target_arch = "wasm32"))]
fn is_ndarray(device: &Device) -> bool {
    #[allow(deprecated)]
    let ndarray = Device::ndarray();
    *device == ndarray
}

#[cfg(target_arch = "wasm32")]
fn is_ndarray(_: &Device) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use burn::tensor::Device;

    use super::{join, splits_batches};

    /// The first closure waits for a message that only the second sends: one after the other,
    /// the wait would time out.
    #[test]
    fn join_runs_both_closures_at_once() {
        let (send, receive) = mpsc::channel();
        let (received, sent) = join(
            move || receive.recv_timeout(Duration::from_secs(10)),
            move || send.send(42),
        );
        assert_eq!(received, Ok(42));
        assert!(sent.is_ok());
    }

    #[test]
    fn a_panic_in_the_second_closure_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| join(|| 1, || -> i32 { panic!("second") }));
        assert!(outcome.is_err());
    }

    #[test]
    fn cpu_devices_split_batches_with_or_without_autodiff() {
        assert!(splits_batches(&Device::flex()));
        assert!(splits_batches(&Device::flex().autodiff()));
    }
}
