//! The page-facing surface: how a widget gets into a host element, and the `<membership-checkout>`
//! element and `window.MembershipCheckout` API that `host/element.js` defines on top of it.
//!
//! Each widget renders into an open **shadow root** on its host element, with the stylesheet adopted
//! there. Why shadow DOM rather than scoped class names: studios embed us in WordPress and site-builder
//! themes whose rules (`div { display: flex }`, `#content button { … }`, `html { font-size: 62.5% }`)
//! would out-specify any class we pick; a shadow root keeps every outside selector out, so only
//! inherited properties (reset on `.mc`) and our documented `--mc-*` custom properties get in. It
//! also scopes element ids, so two widgets on a page can't clash. Open, not closed: a studio's
//! developer and our tests can still look inside.

use std::cell::{OnceCell, RefCell};

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::settings;
use crate::ui;

/// The attribute that marks a host element in the data-attribute form.
pub const HOST_ATTRIBUTE: &str = "data-membership-checkout";
/// The custom element's tag name.
pub const TAG: &str = "membership-checkout";
/// Set while a host element has its widget, so `mount_all` can run again safely.
const MOUNTED_ATTRIBUTE: &str = "data-membership-checkout-mounted";
/// The widget's styles (`style/widget.css` without its comments, see build.rs), compiled in: one
/// request fewer, and always the version the code expects.
pub const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));

/// A mounted widget: dropping it unmounts it.
pub type Handle = ui::start::Widget;

struct Mounted {
    host: HtmlElement,
    _handle: Handle,
}

thread_local! {
    /// Widgets mounted through the registry (custom elements, the JS API, `mount_all`).
    static MOUNTED: RefCell<Vec<Mounted>> = const { RefCell::new(Vec::new()) };
    /// Settings given through the JS API (and a token taken off the element), per host element.
    /// Weak, so a host element the page throws away takes its settings with it.
    static GIVEN: js_sys::WeakMap = js_sys::WeakMap::new();
    /// One constructed stylesheet, adopted by every widget's shadow root.
    static SHEET: OnceCell<Option<web_sys::CssStyleSheet>> = const { OnceCell::new() };
}

/// The settings key for an attribute: `data-api-base` → `apiBase` (the JS API's spelling).
pub fn setting_key(attribute: &str) -> String {
    let name = attribute.strip_prefix("data-").unwrap_or(attribute);
    let mut key = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            key.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            key.push(c);
        }
    }
    key
}

/// A JS settings value as the attribute text it stands for: `true` is a present flag, `false`,
/// `null` and `undefined` an absent one, numbers their decimal form.
fn setting_text(value: &JsValue) -> Option<String> {
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    if let Some(flag) = value.as_bool() {
        return flag.then(String::new);
    }
    if let Some(number) = value.as_f64() {
        return Some(crate::num::plain(number));
    }
    None
}

/// Renders a widget into `host` from its attributes. Dropping the handle unmounts it.
pub fn mount(host: HtmlElement) -> Handle {
    mount_with(host, &Object::new())
}

/// Renders a widget into `host`: `given` (JS API settings) first, then the host's attributes
/// (`data-api-base`, or `api-base` on the custom element).
pub fn mount_with(host: HtmlElement, given: &Object) -> Handle {
    take_token(&host, given);
    let custom = host.tag_name().eq_ignore_ascii_case(TAG);
    let lookup = |name: &str| {
        Reflect::get(given, &JsValue::from_str(&setting_key(name)))
            .ok()
            .and_then(|value| setting_text(&value))
            .or_else(|| host.get_attribute(name))
            .or_else(|| name.strip_prefix("data-").and_then(|plain| host.get_attribute(plain)))
    };
    let mut settings = settings::parse(lookup, &ui::browser::page_url());
    if custom {
        // Name the attributes as the page wrote them: `provider-id` on <membership-checkout>.
        if let Err(errors) = &mut settings {
            for error in errors {
                error.attribute = error.attribute.strip_prefix("data-").unwrap_or(error.attribute);
            }
        }
    }
    let root = render_root(&host);
    let _ = host.set_attribute(MOUNTED_ATTRIBUTE, "");
    let fresh_token = Reflect::get(given, &JsValue::from_str("getFreshToken")).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let events = ui::events::HostEvents::new(Some(host)).with_fresh_token(fresh_token);
    ui::start::start(root, settings, events)
}

/// A token written on the element moves into widget memory: other scripts can't read it off the
/// DOM, and a remount still has it.
fn take_token(host: &HtmlElement, given: &Object) {
    for name in [settings::TOKEN, "token"] {
        if let Some(token) = host.get_attribute(name) {
            let key = JsValue::from_str("token");
            if Reflect::get(given, &key).ok().and_then(|v| setting_text(&v)).is_none() {
                let _ = Reflect::set(given, &key, &JsValue::from_str(&token));
            }
            let _ = host.remove_attribute(name);
        }
    }
}

/// The element the widget renders into: a fresh container in the host's shadow root.
fn render_root(host: &HtmlElement) -> HtmlElement {
    let document = host.owner_document().or_else(|| web_sys::window()?.document()).expect("a host element is in a document");
    let shadow = host.shadow_root().or_else(|| host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)).ok());
    let container: HtmlElement = document.create_element("div").expect("div").unchecked_into();
    match shadow {
        Some(shadow) => {
            // Emptied through `textContent`, not `innerHTML`: a page enforcing Trusted Types
            // refuses any string written to `innerHTML`, even an empty one.
            shadow.set_text_content(None);
            adopt_stylesheet(&shadow, &document);
            let _ = shadow.append_child(&container);
        }
        None => {
            // An element that can't have a shadow root (e.g. <ul>, or one with a closed root of
            // someone else's): a child div can.
            let holder = document.create_element("div").expect("div");
            host.set_text_content(None);
            let _ = host.append_child(&holder);
            if let Ok(shadow) = holder.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open)) {
                adopt_stylesheet(&shadow, &document);
                let _ = shadow.append_child(&container);
            } else {
                let _ = holder.append_child(&container);
            }
        }
    }
    container
}

/// A constructed stylesheet shared by every widget (no `<style>` element, so a strict
/// Content-Security-Policy without `'unsafe-inline'` allows it); a `<style>` only where the browser
/// can't construct one.
fn adopt_stylesheet(shadow: &web_sys::ShadowRoot, document: &web_sys::Document) {
    let sheet = SHEET.with(|cell| {
        cell.get_or_init(|| {
            let sheet = web_sys::CssStyleSheet::new().ok()?;
            sheet.replace_sync(STYLESHEET).ok()?;
            Some(sheet)
        })
        .clone()
    });
    match sheet {
        Some(sheet) => shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet)),
        None => {
            if let Ok(style) = document.create_element("style") {
                style.set_text_content(Some(STYLESHEET));
                let _ = shadow.append_child(&style);
            }
        }
    }
}

/// Mounts (or remounts) the widget in `host` and keeps it in the registry. `settings`: `None`
/// keeps what was given before; with `merge` they are added to it, otherwise they replace it.
pub fn attach(host: HtmlElement, settings: Option<Object>, merge: bool) {
    detach(&host);
    let given = GIVEN.with(|map| {
        let before = map.get(&host).dyn_into::<Object>().ok();
        let given = match (before, settings) {
            (Some(before), Some(new)) if merge => Object::assign(&before, &new),
            (_, Some(new)) => Object::assign(&Object::new(), &new),
            (Some(before), None) => before,
            (None, None) => Object::new(),
        };
        map.set(&host, &given);
        given
    });
    let handle = mount_with(host.clone(), &given);
    MOUNTED.with(|mounted| mounted.borrow_mut().push(Mounted { host, _handle: handle }));
}

/// Unmounts the widget in `host`, if there is one: its timers stop, its requests are aborted and
/// its listeners go. Returns whether there was one.
pub fn detach(host: &HtmlElement) -> bool {
    let found = MOUNTED.with(|mounted| {
        let mut mounted = mounted.borrow_mut();
        let at = mounted.iter().position(|m| &m.host == host)?;
        Some(mounted.swap_remove(at))
    });
    // Dropped outside the borrow: cleanups may run code that mounts or unmounts.
    let Some(found) = found else { return false };
    let _ = host.remove_attribute(MOUNTED_ATTRIBUTE);
    drop(found);
    drop_early(host);
    true
}

/// Mounts a widget into every `[data-membership-checkout]` element that doesn't have one yet.
pub fn mount_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(hosts) = document.query_selector_all(&format!("[{HOST_ATTRIBUTE}]:not([{MOUNTED_ATTRIBUTE}])")) else {
        return;
    };
    for i in 0..hosts.length() {
        if let Some(host) = hosts.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
            attach(host, None, true);
        }
    }
}

/// Data-attribute hosts a single-page app removes are unmounted, and ones it adds are mounted
/// (custom elements do this themselves).
fn follow_the_page() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(body) = document.body() else { return };
    let changed = Closure::<dyn Fn(js_sys::Array)>::new(|records: js_sys::Array| {
        let (mut added, mut removed) = (false, false);
        for record in records.iter() {
            let record: web_sys::MutationRecord = record.unchecked_into();
            added |= record.added_nodes().length() > 0;
            removed |= record.removed_nodes().length() > 0;
        }
        if removed {
            let gone: Vec<HtmlElement> = MOUNTED.with(|mounted| {
                mounted
                    .borrow()
                    .iter()
                    .filter(|m| !m.host.is_connected() && !m.host.tag_name().eq_ignore_ascii_case(TAG))
                    .map(|m| m.host.clone())
                    .collect()
            });
            for host in gone {
                detach(&host);
            }
        }
        if added {
            mount_all();
        }
    });
    if let Ok(observer) = web_sys::MutationObserver::new(changed.as_ref().unchecked_ref()) {
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        let _ = observer.observe_with_options(&body, &options);
    }
    changed.forget();
}

#[wasm_bindgen(module = "/src/host/element.js")]
extern "C" {
    /// Hands the element and the JS API their way into the widget (see element.js).
    #[wasm_bindgen(js_name = connect)]
    fn connect_page(
        attach: &Closure<dyn Fn(HtmlElement, JsValue, bool)>,
        detach: &Closure<dyn Fn(HtmlElement) -> bool>,
        version: &str,
    );
    /// Drops (and aborts) the early answers element.js asked for `host` that nobody took.
    #[wasm_bindgen(js_name = dropEarly)]
    fn drop_early(host: &HtmlElement);
    #[wasm_bindgen(js_name = askEarly)]
    fn ask_early_js(host: &HtmlElement);
    #[wasm_bindgen(js_name = apiBaseFor)]
    fn api_base_for_js(value: &str, page: &str) -> Option<String>;
    #[wasm_bindgen(js_name = earlyKeepMs)]
    fn early_keep_ms_js(ms: u32);
}

/// Test hook: how long element.js keeps an early answer nobody took (default 30 s).
#[doc(hidden)]
pub fn set_early_keep_ms(ms: u32) {
    early_keep_ms_js(ms);
}

/// Test hook: what element.js asks for `host` while the wasm downloads (its `askEarly`).
#[doc(hidden)]
pub fn ask_early(host: &HtmlElement) {
    ask_early_js(host);
}

/// Test hook: the API base element.js would use for an `api-base` value on `page` (`None`:
/// it asks nothing), to hold it to the widget's own rule (`settings::parse`).
#[doc(hidden)]
pub fn early_api_base(value: &str, page: &str) -> Option<String> {
    api_base_for_js(value, page)
}

/// Starts the widget on the page: every data-attribute host now and later, and the
/// `<membership-checkout>` element and `window.MembershipCheckout` API.
pub fn install() {
    mount_all();
    follow_the_page();
    connect_elements();
}

/// Gives the `<membership-checkout>` element and `window.MembershipCheckout` their widget.
pub fn connect_elements() {
    let attach_fn = Closure::<dyn Fn(HtmlElement, JsValue, bool)>::new(|host: HtmlElement, settings: JsValue, merge: bool| {
        attach(host, settings.dyn_into::<Object>().ok(), merge);
    });
    let detach_fn = Closure::<dyn Fn(HtmlElement) -> bool>::new(|host: HtmlElement| detach(&host));
    connect_page(&attach_fn, &detach_fn, env!("CARGO_PKG_VERSION"));
    // They live as long as the page.
    attach_fn.forget();
    detach_fn.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_become_camel_case_keys() {
        assert_eq!(setting_key("data-api-base"), "apiBase");
        assert_eq!(setting_key("data-allow-external-return"), "allowExternalReturn");
        assert_eq!(setting_key("locale"), "locale");
        assert_eq!(setting_key("data-token"), "token");
    }

    /// The compiled stylesheet is style/widget.css with only its comments and blank lines gone.
    #[test]
    fn the_stylesheet_keeps_every_rule() {
        let source = include_str!("../style/widget.css");
        let mut uncommented = String::new();
        let mut rest = source;
        while let Some(at) = rest.find("/*") {
            uncommented.push_str(&rest[..at]);
            rest = rest[at..].find("*/").map_or("", |end| &rest[at + end + 2..]);
        }
        uncommented.push_str(rest);
        let words = |css: &str| css.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert!(!STYLESHEET.contains("/*") && STYLESHEET.len() < source.len());
        assert_eq!(words(STYLESHEET), words(&uncommented));
        assert!(STYLESHEET.contains(":host {") && STYLESHEET.contains("--mc-accent"));
    }

    /// The typings shipped with the embed build name every setting the widget reads.
    #[test]
    fn the_typings_name_every_setting() {
        let typings = include_str!("../embed/membership-checkout.d.ts");
        for attribute in settings::ALL {
            let key = setting_key(attribute);
            assert!(typings.contains(&format!("  {key}?:")), "{key} (from {attribute}) is missing in the typings");
            let plain = attribute.strip_prefix("data-").unwrap();
            assert!(include_str!("host/element.js").contains(&format!("'{plain}'")), "element.js doesn't observe {plain}");
        }
    }

    /// The load-failure notice speaks the customer's language from element.js (the catalogues are
    /// in the wasm that failed to arrive): its words must be the catalogues' own.
    #[test]
    fn the_load_failure_notice_uses_the_catalogues_words() {
        use crate::i18n::{Lang, Tr};
        let script = include_str!("host/element.js");
        for lang in Lang::ALL {
            let tr = Tr::of(lang);
            let words: Vec<String> = ["load.failed_title", "load.failed_body", "try_again", "loading.memberships"]
                .into_iter()
                .map(|key| format!("\"{}\"", tr.t(key).replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            let row = format!("  {}: [{}],", lang.code(), words.join(", "));
            assert!(script.contains(&row), "element.js should hold {row}");
        }
    }
}
