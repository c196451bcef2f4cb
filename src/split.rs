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
//! Around the split points: [`fetched`] holds a chunk's code in a signal, [`on_demand`] shows a
//! view from a chunk (a notice with Try again, [`failure_notice`], when the chunk fails), and [`prefetch_when_idle`] downloads a chunk the customer will probably need
//! once the browser is idle after the first paint.

use std::future::Future;

use leptos::prelude::*;

use crate::i18n::Tr;

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

/// Shows `show(code)` once `load` has the code: at once when it is already here (always in the
/// unsplit build, and in the split build once the chunk has arrived, so nothing flickers), else
/// `waiting` meanwhile, and a notice with **Try again** if the download fails. Whatever the customer
/// chose elsewhere in the widget stays as it is: only this part waits or fails.
pub fn on_demand<T, F, Fut>(
    tr: Tr,
    load: F,
    waiting: impl Fn() -> AnyView + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Send + Sync + 'static,
) -> impl IntoView
where
    T: Copy + Send + Sync + 'static,
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ChunkError>> + 'static,
{
    on_demand_framed(tr, load, waiting, show, |notice| notice)
}

/// [`on_demand`] for a part that is the whole widget: `frame` puts the failure notice where the
/// part would have been (the widget's root, so that it looks and reads like the widget's own).
pub fn on_demand_framed<T, F, Fut>(
    tr: Tr,
    load: F,
    waiting: impl Fn() -> AnyView + Send + Sync + 'static,
    show: impl Fn(T) -> AnyView + Send + Sync + 'static,
    frame: fn(AnyView) -> AnyView,
) -> impl IntoView
where
    T: Copy + Send + Sync + 'static,
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ChunkError>> + 'static,
{
    let (state, retry) = fetched(load);
    move || match state.get() {
        None => waiting(),
        Some(Ok(code)) => show(code),
        Some(Err(_)) => frame(failure_notice(tr, retry).into_any()),
    }
}

/// The code `load` brings, as a signal: `None` while it downloads, then its result. Asked for
/// at once; the callback asks again (after a failure: "Try again"). Code already here (always in
/// the unsplit build) is in the signal before this returns, so nothing flickers.
pub fn fetched<T, F, Fut>(load: F) -> (RwSignal<Option<Result<T, ChunkError>>>, Callback<()>)
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ChunkError>> + 'static,
{
    let state = RwSignal::new(None::<Result<T, ChunkError>>);
    let fetch = move || {
        let mut future = Box::pin(load());
        match futures::FutureExt::now_or_never(&mut future) {
            Some(ready) => state.set(Some(ready)),
            None => leptos::task::spawn_local(async move {
                let result = future.await;
                if let Err(error) = &result {
                    web_sys::console::error_1(&format!("membership-checkout: {error} (the browser console says why, above)").into());
                }
                // The widget may be gone by now.
                state.try_set(Some(result));
            }),
        }
    };
    fetch();
    (
        state,
        Callback::new(move |_: ()| {
            state.set(None);
            fetch();
        }),
    )
}

/// A part of the widget could not download: the notice, with Try again (`retry`).
pub fn failure_notice(tr: Tr, retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="mc-notice mc-notice--error" data-testid="chunk-failed" role="alert">
            <p class="mc-notice__title">{tr.t("load.part_failed")}</p>
            <p>{tr.t("load.failed_body")}</p>
            <button type="button" class="mc-button mc-button--secondary" data-testid="chunk-retry" on:click=move |_| retry.run(())>
                {tr.t("try_again")}
            </button>
        </div>
    }
}

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
    request_animation_frame(move || set_timeout(move || when_idle(run), std::time::Duration::ZERO));
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

/// The failure notice in a browser: a part that fails shows the notice, and Try again loads again.
#[cfg(all(test, target_arch = "wasm32"))]
mod web {
    use std::cell::Cell;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::*;
    use crate::i18n::{Lang, Tr};

    wasm_bindgen_test_configure!(run_in_browser);

    thread_local! {
        static CALLS: Cell<u32> = const { Cell::new(0) };
    }

    /// Fails the first time, works from then on.
    async fn flaky() -> Result<u32, ChunkError> {
        let call = CALLS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        if call == 1 {
            Err(ChunkError)
        } else {
            Ok(7)
        }
    }

    #[wasm_bindgen_test]
    async fn a_part_that_fails_offers_try_again_and_then_shows() {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let tr = Tr::of(Lang::En);
        let _handle = leptos::mount::mount_to(host.clone(), move || {
            on_demand(
                tr,
                flaky,
                || view! { <p>"waiting"</p> }.into_any(),
                |n: u32| view! { <p data-testid="shown">{format!("part {n}")}</p> }.into_any(),
            )
        });
        let notice = host.query_selector("[data-testid=chunk-failed]").unwrap().expect("the failure notice");
        let text = notice.text_content().unwrap_or_default();
        assert!(text.contains(&*tr.t("load.part_failed")) && text.contains(&*tr.t("try_again")), "{text}");
        let retry: web_sys::HtmlElement = host.query_selector("[data-testid=chunk-retry]").unwrap().unwrap().unchecked_into();
        retry.click();
        // The view follows the signal in a task of its own: give it a few turns.
        let mut shown = None;
        for _ in 0..50 {
            shown = host.query_selector("[data-testid=shown]").unwrap();
            if shown.is_some() {
                break;
            }
            crate::backend::http::sleep(10).await;
        }
        let shown = shown.expect("the part after Try again");
        assert_eq!(shown.text_content().as_deref(), Some("part 7"));
        assert!(host.query_selector("[data-testid=chunk-failed]").unwrap().is_none());
        host.remove();
    }
}
