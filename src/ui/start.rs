//! The widget's entry ([`start`]), without Leptos: it paints what comes first with plain DOM (the
//! settings problems; a TeamUp widget's loading state and first list; a Uelz widget's loading
//! state) while the checkout's code downloads, then hands over to the Leptos checkout, which
//! replaces the plain DOM in the same container. In the embed build the checkout is a chunk
//! (`form`, `uelz`), so the main module holds no Leptos; where the code is already here (the
//! unsplit build, or a chunk another widget on the page fetched), the checkout mounts at once and
//! nothing plain is painted.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use web_sys::{AbortController, Element, HtmlElement};

use super::dom::{self, add, add_text, el, Listeners};
use super::events::HostEvents;
use super::{Common, UELZ_CHECKOUT_HOST};
use crate::backend::http::Transport;
use crate::i18n::{intl, Tr};
use crate::settings::{Backend, SettingError, Settings};

/// A mounted widget: dropping it removes everything (its requests aborted, its listeners
/// removed, the checkout unmounted, the plain screen taken out of the page).
pub struct Widget(Rc<Inner>);

/// A mounted Leptos checkout (its unmount handle, from the chunk that mounted it).
pub(crate) type Mounted = Box<dyn Any>;

/// What a widget's plain part owns.
pub(crate) struct Inner {
    /// The element the widget paints in.
    pub container: HtmlElement,
    /// Aborts what the plain part asked for (the checkout aborts its own).
    controller: Option<AbortController>,
    /// The plain screen's listeners.
    pub listeners: Listeners,
    checkout: RefCell<Option<Mounted>>,
    gone: Cell<bool>,
}

impl Inner {
    pub fn new(container: HtmlElement) -> Rc<Inner> {
        Rc::new(Inner {
            container,
            controller: AbortController::new().ok(),
            listeners: Listeners::default(),
            checkout: RefCell::new(None),
            gone: Cell::new(false),
        })
    }

    /// Whether the widget has been removed (a late answer or chunk then changes nothing).
    pub fn gone(&self) -> bool {
        self.gone.get()
    }

    /// HTTP for the plain part: the widget's time limit, aborted with the widget.
    pub fn transport(&self, timeout_ms: u32) -> Transport {
        let transport = Transport::new(timeout_ms);
        match &self.controller {
            Some(controller) => transport.with_cancel(controller.signal()),
            None => transport,
        }
    }

    /// Paints `root` as the widget's only content (the plain screen's listeners go with what it
    /// replaces).
    pub fn paint(&self, root: &Element) {
        self.listeners.clear();
        self.container.set_text_content(None);
        let _ = self.container.append_child(root);
    }

    /// The checkout has been mounted (it replaced the plain screen): it lives as long as the widget.
    pub fn took_over(&self, checkout: Mounted) {
        self.listeners.clear();
        if self.gone() {
            return;
        }
        *self.checkout.borrow_mut() = Some(checkout);
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        let inner = &self.0;
        inner.gone.set(true);
        if let Some(controller) = &inner.controller {
            controller.abort();
        }
        inner.listeners.clear();
        // Taken out first: unmounting may run code that looks at the widget.
        let checkout = inner.checkout.borrow_mut().take();
        drop(checkout);
        // What the plain part painted goes too (the checkout's unmount took its own).
        inner.container.set_text_content(None);
    }
}

/// Starts a widget in `container` (the host's shadow root's container), from its settings, in
/// the customer's language (the `locale` setting, else the browser's languages, else English),
/// once that language's texts are here (see [`super::language`]).
pub fn start(container: HtmlElement, settings: Result<Settings, Vec<SettingError>>, events: HostEvents) -> Widget {
    let requested = settings.as_ref().ok().and_then(|s| s.locale.clone());
    let wanted = Tr::negotiate(requested.as_deref(), &intl::browser_languages());
    let inner = Inner::new(container);
    let weak = Rc::downgrade(&inner);
    super::language::in_language(&inner, wanted, move |tr| {
        if let Some(inner) = weak.upgrade() {
            begin(&inner, settings, events, tr);
        }
    });
    Widget(inner)
}

/// The widget in its language `tr`.
fn begin(inner: &Rc<Inner>, settings: Result<Settings, Vec<SettingError>>, events: HostEvents, tr: Tr) {
    match settings {
        Ok(Settings { backend: Backend::TeamUp(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.api_base).into_iter().collect();
            allowed.extend(payment_hosts);
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            super::teamup::first::start(inner, settings, common, events);
        }
        Ok(Settings { backend: Backend::Uelz(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.gateway_url).into_iter().collect();
            allowed.push(UELZ_CHECKOUT_HOST.to_string());
            allowed.extend(payment_hosts);
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            uelz(inner, settings, common, events);
        }
        Err(errors) => inner.paint(&config_error(&errors, tr)),
    }
}

/// `code` (a split point's future) if it is ready now: always in the unsplit build, and in the
/// embed build once the chunk is on the page.
pub(crate) fn ready_now<T>(code: &mut std::pin::Pin<Box<impl std::future::Future<Output = T>>>) -> Option<T> {
    futures::FutureExt::now_or_never(code.as_mut())
}

/// Runs `task` unless the widget is gone by the time it would.
pub(crate) fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

/// The root `<div class="mc" …>` of a plain screen (twin: the checkouts' roots).
pub(crate) fn root(tr: Tr, attributes: &[(&str, &str)]) -> Element {
    let root = el("div", attributes);
    let _ = root.set_attribute("lang", tr.locale);
    let _ = root.set_attribute("dir", tr.dir());
    root
}

/// The checkout's code could not download: said in the console (the browser says why, above).
pub(crate) fn report_chunk_failure(error: crate::split::ChunkError) {
    super::browser::console_error(&format!("membership-checkout: {error} (the browser console says why, above)"));
}

/// A Uelz widget: its loading state until the `uelz` chunk (the whole Uelz checkout) is here;
/// if it fails, the notice with Try again in the widget's root.
fn uelz(inner: &Rc<Inner>, settings: crate::settings::UelzSettings, common: Common, events: HostEvents) {
    let tr = common.tr;
    let mut code = Box::pin(super::uelz_view());
    if let Some(Ok(mount)) = ready_now(&mut code) {
        let mounted = mount(inner.container.clone(), settings, common, events);
        inner.took_over(mounted);
        return;
    }
    let waiting = root(tr, &[("class", "mc"), ("data-testid", "checkout"), ("data-backend", "uelz"), ("data-state", "loading"), ("aria-busy", "true")]);
    add(&waiting, dom::loading(tr, "loading.plans"));
    inner.paint(&waiting);
    let weak = Rc::downgrade(inner);
    spawn(async move {
        let result = code.await;
        uelz_arrived(weak, result, settings, common, events);
    });
}

fn uelz_arrived(
    weak: Weak<Inner>,
    result: Result<super::UelzMount, crate::split::ChunkError>,
    settings: crate::settings::UelzSettings,
    common: Common,
    events: HostEvents,
) {
    let Some(inner) = weak.upgrade().filter(|i| !i.gone()) else { return };
    match result {
        Ok(mount) => {
            let mounted = mount(inner.container.clone(), settings, common, events);
            inner.took_over(mounted);
        }
        Err(error) => {
            report_chunk_failure(error);
            let tr = common.tr;
            let frame = root(tr, &[("class", "mc"), ("data-testid", "checkout"), ("data-backend", "uelz"), ("data-state", "load-error")]);
            let (notice, retry) = dom::failure_notice(tr);
            add(&frame, notice);
            inner.paint(&frame);
            let again = Rc::downgrade(&inner);
            let again = RefCell::new(Some((again, settings, common, events)));
            inner.listeners.on(&retry, "click", move |_| {
                let Some((weak, settings, common, events)) = again.borrow_mut().take() else { return };
                if let Some(inner) = weak.upgrade().filter(|i| !i.gone()) {
                    uelz(&inner, settings, common, events);
                }
            });
        }
    }
}

/// The settings problems (twin of nothing: only the plain entry paints them), said in the
/// console too.
fn config_error(errors: &[SettingError], tr: Tr) -> Element {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    super::browser::console_error(&format!("membership-checkout: invalid settings on the host element: {}", lines.join("; ")));
    let root = root(tr, &[("class", "mc"), ("data-testid", "checkout"), ("data-state", "config-error")]);
    let notice = add(&root, el("div", &[("class", "mc-notice mc-notice--error"), ("data-testid", "config-error"), ("role", "alert")]));
    add_text(&notice, "p", &[("class", "mc-notice__title")], tr.t("config.title"));
    add_text(&notice, "p", &[], tr.t("config.body"));
    let list = add(&notice, el("ul", &[]));
    for error in errors {
        let item = add(&list, el("li", &[]));
        add_text(&item, "code", &[], error.attribute);
        dom::text(&item, " ");
        add_text(&item, "span", &[("lang", "en")], &error.message);
    }
    root
}
