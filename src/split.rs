//! Code fetched on demand: the split runtime of the embed build (cargo feature `split`,
//! scripts/build-embed.sh).
//!
//! A **split point** is a function whose code may live in a separate wasm chunk, written with
//! [`lazy_fn!`](crate::split::lazy_fn):
//!
//! ```ignore
//! crate::split::lazy_fn!(signin, preload_signin;
//!     fn sign_in_begin() -> fn(Begin) -> PurchaseRun {
//!         |b| Box::pin(async move { b.sign_in.begin(b.api_base, b.client_id, b.provider_id, b.selection).await })
//!     }
//! );
//! ```
//!
//! `sign_in_begin().await` is `Result<fn(Begin) -> PurchaseRun, ChunkError>`. With the `split` feature,
//! the first call downloads the chunk `signin` (once per page, shared by every widget, from next to
//! the loader, checked against its SHA-384) and a download that fails (offline, 404, too slow, wrong
//! hash) is an `Err(ChunkError)`, never a panic; the next call downloads again. Without the feature
//! (trunk's preview, the tests) it is a plain `async fn` that is ready at once, and nothing is split.
//!
//! Rules for a split function (it is called through an `extern "C"` import):
//! - not generic, not `async`, no `impl Trait` in its signature; everything it alone uses moves into
//!   its chunk;
//! - the pattern that works everywhere: it takes nothing and returns a plain `fn` pointer (`Copy`,
//!   `Send`, no generics) whose code is in the chunk; the caller then calls that pointer with the
//!   widget's state;
//! - every split point must be called from code the main module keeps: one that is optimised away
//!   leaves its export without an import, wasm-split then keeps its code in the main module, and
//!   scripts/build-embed.sh refuses the build;
//! - its chunk name must be declared in `embed/chunks.json` (when it is needed: first screen, a
//!   language, a purchase, or later), which the size budgets and the loader read; embed/build.mjs
//!   refuses a chunk that isn't declared there.
//!
//! Functions given the same chunk name share one chunk. Code used by several chunks goes into
//! shared chunks that load with them.
//!
//! Around the split points: the plain first screen (`ui::start`, `ui::teamup::first`) waits for a
//! chunk's code and shows the notice with Try again (`ui::dom::failure_notice`) when it fails, and
//! [`prefetch_when_idle`] downloads a chunk the customer will probably need
//! once the browser is idle after the first paint.

use std::future::Future;



/// A chunk of the widget's code could not be downloaded (offline, 404, too slow, or its bytes are
/// not the ones the build made: the browser's integrity check refused them). The details are in
/// the browser console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkError;

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a part of the checkout's code could not be downloaded")
    }
}

impl std::error::Error for ChunkError {}

impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Declares a split point: `lazy_fn!(chunk; fn name() -> T { body })` or, with a preload
/// function, `lazy_fn!(chunk, preload_name; fn name() -> T { body })`.
///
/// `name().await` is `Result<T, ChunkError>`; `body` (and whatever only it uses) goes into the wasm
/// chunk `chunk` in the split build. `preload_name().await` downloads the chunk without calling
/// anything (for [`prefetch_when_idle`]). Arguments are allowed (`fn name(x: u32) -> T`), with the
/// restrictions of an `extern "C"` function. See the module documentation.
macro_rules! lazy_fn {
    ($chunk:ident; $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        $(#[$meta])* $vis fn $name($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::ChunkError> {
            let value: $ret = $body;
            ::core::result::Result::Ok(value)
        }
        #[cfg(not(feature = "split"))]
        $(#[$meta])* $vis async fn $name($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::ChunkError> {
            let value: $ret = $body;
            ::core::result::Result::Ok(value)
        }
    };
    ($chunk:ident, $preload:ident; $(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
        $(#[$meta])* $vis fn $name($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::ChunkError> {
            let value: $ret = $body;
            ::core::result::Result::Ok(value)
        }
        #[cfg(not(feature = "split"))]
        $(#[$meta])* $vis async fn $name($($arg: $ty),*) -> ::core::result::Result<$ret, $crate::split::ChunkError> {
            let value: $ret = $body;
            ::core::result::Result::Ok(value)
        }
        #[cfg(not(feature = "split"))]
        #[allow(dead_code)]
        $vis async fn $preload() -> ::core::result::Result<(), $crate::split::ChunkError> {
            ::core::result::Result::Ok(())
        }
    };
}

pub(crate) use lazy_fn;

thread_local! {
    /// Chunks whose idle-time download has been started on this page (by any widget).
    static PREFETCHED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `chunk` is asked for the first time on this page (and remembers that it now is).
fn first_prefetch(chunk: &'static str) -> bool {
    PREFETCHED.with(|done| {
        let mut done = done.borrow_mut();
        let first = !done.contains(&chunk);
        if first {
            done.push(chunk);
        }
        first
    })
}

/// Starts downloading the chunk `chunk` (which the customer will probably need soon) when the
/// browser is idle after the next paint: once per page, however many widgets and renders ask.
/// A failure is ignored here: the real use reports it, and downloads again. Nothing happens in the
/// unsplit build.
pub fn prefetch_when_idle<Fut, E>(chunk: &'static str, preload: impl FnOnce() -> Fut + 'static)
where
    Fut: Future<Output = Result<(), E>> + 'static,
{
    if !cfg!(feature = "split") || !first_prefetch(chunk) {
        return;
    }
    let run = move || {
        leptos::task::spawn_local(async move {
            let _ = preload().await;
        })
    };
    // After the frame being prepared (a task queued from requestAnimationFrame runs once it is
    // rendered), then when the main thread has nothing else to do (within a second at the latest).
    after_next_paint(move || when_idle(run));
}

/// Runs `run` once the next frame has been rendered (a task queued from requestAnimationFrame).
pub fn after_next_paint(run: impl FnOnce() + 'static) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(window) = web_sys::window() else { return run() };
    let queue = Closure::once_into_js(move || match web_sys::window() {
        Some(window) => {
            let _ = window.set_timeout_with_callback(Closure::once_into_js(run).unchecked_ref());
        }
        None => run(),
    });
    let _ = window.request_animation_frame(queue.unchecked_ref());
}

/// `run` in an idle period (`requestIdleCallback`, at the latest after a second), or at once where
/// the browser has no such thing.
fn when_idle(run: impl FnOnce() + 'static) {
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    let window = web_sys::window().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    let idle = js_sys::Reflect::get(&window, &JsValue::from_str("requestIdleCallback"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match idle {
        Some(idle) => {
            let callback = Closure::once_into_js(run);
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &JsValue::from_str("timeout"), &JsValue::from_f64(1000.0));
            let _ = idle.call2(&window, &callback, &options);
        }
        None => run(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    lazy_fn!(test_chunk; fn answer() -> u32 { 6 * 7 });
    lazy_fn!(test_chunk, preload_test_chunk; fn doubled(x: u32) -> u32 { x * 2 });

    /// Without the `split` feature a split point is ready at once, and its preload does nothing.
    #[test]
    fn unsplit_split_points_are_ready_at_once() {
        assert_eq!(answer().now_or_never(), Some(Ok(42)));
        assert_eq!(doubled(21).now_or_never(), Some(Ok(42)));
        assert_eq!(preload_test_chunk().now_or_never(), Some(Ok(())));
    }

    #[test]
    fn each_chunk_is_prefetched_once_per_page() {
        assert!(first_prefetch("test-a"));
        assert!(!first_prefetch("test-a"));
        assert!(first_prefetch("test-b"));
    }

    #[test]
    fn a_chunk_error_says_what_failed() {
        assert_eq!(ChunkError.to_string(), "a part of the checkout's code could not be downloaded");
    }
}
