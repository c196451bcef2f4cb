//! Plain DOM for what the widget paints before its Leptos checkout is here (the settings problems,
//! the loading state, the first list, the notices): elements built one by one through web-sys, never
//! from an HTML string (a page enforcing Trusted Types refuses `innerHTML`, see docs/security.md),
//! so the main module of the embed build holds no Leptos at all.
//!
//! Each writer here has a Leptos twin in the checkout that paints the same markup (same elements,
//! attributes in the same order, same text): when the checkout takes over, nothing is seen to change.

use std::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event, EventTarget};

use crate::i18n::Tr;

/// The document the widget paints in.
pub(crate) fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("the widget runs in a document")
}

/// `<tag a="…" …>`, attributes set in the order given.
pub(crate) fn el(tag: &str, attributes: &[(&str, &str)]) -> Element {
    let element = document().create_element(tag).expect("an element");
    for (name, value) in attributes {
        let _ = element.set_attribute(name, value);
    }
    element
}

/// Appends `child` to `parent` and returns it.
pub(crate) fn add(parent: &Element, child: Element) -> Element {
    let _ = parent.append_child(&child);
    child
}

/// Appends a text node.
pub(crate) fn text(parent: &Element, text: &str) {
    let _ = parent.append_with_str_1(text);
}

/// The empty comments Leptos leaves in what it renders (where a list of views, or an absent
/// one, may later put something): a plain twin writes them where its Leptos twin has them, so that
/// the two are the same markup.
pub(crate) fn markers(parent: &Element, count: usize) {
    for _ in 0..count {
        let _ = parent.append_child(&document().create_comment(""));
    }
}

/// `<tag …>text</tag>` appended to `parent`.
pub(crate) fn add_text(parent: &Element, tag: &str, attributes: &[(&str, &str)], words: &str) -> Element {
    let child = add(parent, el(tag, attributes));
    text(&child, words);
    child
}

/// Event listeners of the plain screen: removed (and their closures freed) when the screen is
/// painted again, taken over, or the widget removed.
#[derive(Default)]
pub(crate) struct Listeners(RefCell<Vec<(EventTarget, &'static str, Closure<dyn FnMut(Event)>)>>);

impl Listeners {
    pub fn on(&self, target: &EventTarget, kind: &'static str, handler: impl FnMut(Event) + 'static) {
        let closure = Closure::<dyn FnMut(Event)>::new(handler);
        let _ = target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        self.0.borrow_mut().push((target.clone(), kind, closure));
    }

    pub fn clear(&self) {
        // Taken out first: a closure being dropped may be the one running (wasm-bindgen frees it
        // once it returns).
        let all = std::mem::take(&mut *self.0.borrow_mut());
        for (target, kind, closure) in &all {
            let _ = target.remove_event_listener_with_callback(kind, closure.as_ref().unchecked_ref());
        }
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        self.clear();
    }
}

const HIDDEN: &str = "true";

/// The placeholders while something loads (twin: `ui::common::Loading`); `label` is a catalogue
/// key said to screen readers.
pub(crate) fn loading(tr: Tr, label: &'static str) -> Element {
    let root = el("div", &[("class", "mc-loading"), ("role", "status")]);
    add_text(&root, "span", &[("class", "mc-visually-hidden")], tr.t(label));
    for _ in 0..3 {
        add(&root, el("div", &[("class", "mc-skeleton"), ("aria-hidden", HIDDEN)]));
    }
    root
}

/// A notice with Try again (twin: `ui::common::LoadError`); `button`
/// is the Try again button's test id.
pub(crate) fn notice(title: &str, body: &str, testid: &str, button: &str, tr: Tr) -> (Element, Element) {
    let root = el("div", &[("class", "mc-notice mc-notice--error"), ("data-testid", testid), ("role", "alert")]);
    add_text(&root, "p", &[("class", "mc-notice__title")], title);
    add_text(&root, "p", &[], body);
    // `class` first, as Leptos sets it.
    let retry = add_text(&root, "button", &[("class", "mc-button mc-button--secondary"), ("type", "button"), ("data-testid", button)], tr.t("try_again"));
    (root, retry)
}

/// A part of the widget could not download: the notice and its Try again button (a [`notice`],
/// so the same markup as `LoadError`'s).
pub(crate) fn failure_notice(tr: Tr) -> (Element, Element) {
    notice(tr.t("load.part_failed"), tr.t("load.failed_body"), "chunk-failed", "chunk-retry", tr)
}

/// The form's Continue button, at rest (twin: `ui::common::continue_button`).
pub(crate) fn continue_button(tr: Tr) -> Element {
    let attributes = [("class", "mc-button mc-button--primary"), ("type", "submit"), ("data-testid", "continue"), ("aria-disabled", "false"), ("aria-busy", "false")];
    let button = el("button", &attributes);
    text(&button, tr.t("continue"));
    button
}

/// The plain writers and their Leptos twins write the same elements, attributes and text (Leptos'
/// empty comments aside: the plain loading state and notices are replaced whole, only the cards
/// must match byte for byte, see `teamup::first`).
#[cfg(all(test, target_arch = "wasm32"))]
mod web {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::*;
    use crate::backend::error::ApiError;
    use crate::i18n::Lang;

    wasm_bindgen_test_configure!(run_in_browser);

    /// `element`'s markup without comments.
    fn markup(element: &Element) -> String {
        let mut html = element.outer_html();
        while let Some(at) = html.find("<!--") {
            let end = html[at..].find("-->").map_or(html.len(), |e| at + e + 3);
            html.replace_range(at..end, "");
        }
        html
    }

    /// What Leptos renders for `view`, in the widget's context (its language).
    fn leptos_markup(tr: Tr, view: impl FnOnce() -> AnyView + 'static) -> String {
        let host: web_sys::HtmlElement = el("div", &[]).unchecked_into();
        let _handle = leptos::mount::mount_to(host.clone(), move || {
            provide_context(tr);
            view()
        });
        markup(&host.first_element_child().expect("rendered"))
    }

    #[wasm_bindgen_test]
    fn the_plain_loading_state_and_notices_are_their_leptos_twins() {
        for lang in [Lang::En, Lang::Ar] {
            let tr = Tr::of(lang);
            let leptos = leptos_markup(tr, || view! { <crate::ui::common::Loading label="loading.memberships" /> }.into_any());
            assert_eq!(markup(&loading(tr, "loading.memberships")), leptos);

            let error = ApiError::Timeout;
            let body = tr.text(&error.user_message());
            let leptos = leptos_markup(tr, move || {
                view! { <crate::ui::common::LoadError title="load_error.memberships" error retry=Callback::new(|_| ()) /> }.into_any()
            });
            assert_eq!(markup(&notice(tr.t("load_error.memberships"), &body, "load-error", "reload", tr).0), leptos);

            let leptos = leptos_markup(tr, || crate::ui::common::continue_button(|| false, "continue.reserving").into_any());
            assert_eq!(markup(&continue_button(tr)), leptos);
        }
    }
}
