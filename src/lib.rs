//! membership-checkout: a Leptos widget that sells a studio's TeamUp memberships.
//!
//! Data flows one way: host attributes → [`settings`] → [`backend`] → [`checkout`] state → [`ui`]
//! → redirect to the vendor's payment page.

pub mod backend;
pub mod checkout;
pub mod model;
pub mod redirect;
pub mod settings;
pub mod ui;

use wasm_bindgen::JsCast;

pub use ui::MembershipCheckout;

/// The attribute that marks a host element.
pub const HOST_ATTRIBUTE: &str = "data-membership-checkout";
/// Set once a host element has its widget, so `mount_all` can run again safely.
const MOUNTED_ATTRIBUTE: &str = "data-membership-checkout-mounted";

/// Mounts a widget into every host element on the page that doesn't have one yet.
pub fn mount_all() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(hosts) = document.query_selector_all(&format!("[{HOST_ATTRIBUTE}]:not([{MOUNTED_ATTRIBUTE}])")) else {
        return;
    };
    for i in 0..hosts.length() {
        if let Some(host) = hosts.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
            mount(host).forget();
        }
    }
}

/// Reads the host's attributes and mounts the widget into it, replacing any fallback content.
/// Dropping the returned handle unmounts the widget.
pub fn mount(host: web_sys::HtmlElement) -> leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState> {
    use leptos::prelude::*;
    let settings = settings::parse(|name| host.get_attribute(name), &ui::browser::page_url());
    // The token now lives only in the widget's memory: not in the DOM for other scripts to read.
    let _ = host.remove_attribute(settings::TOKEN);
    host.set_inner_html("");
    let _ = host.set_attribute(MOUNTED_ATTRIBUTE, "");
    let events = ui::events::HostEvents::new(Some(host.clone()));
    leptos::mount::mount_to(host, move || {
        provide_context(events);
        view! { <MembershipCheckout settings /> }.into_any()
    })
}
