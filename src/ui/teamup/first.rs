//! A TeamUp widget's first screen: the only part of its checkout in the main module of the embed
//! build. It paints the catalogue list from the memberships answer while the rest of the checkout
//! (the `form` chunk: plans, classes, summary, sign-in, the purchase, coming back from paying)
//! downloads beside it. Once that code is here, [`super::TeamUpCheckout`] takes over with the same
//! answer (not asked again), the same markup and ids, and whatever the customer chose or focused
//! meanwhile: the swap is not seen.
//!
//! A widget whose customers sign in, and one whose customer is back from the payment page, shows
//! its loading state until the checkout is here instead: who is signed in, and what happened to
//! the purchase, decide what it shows first.

use std::sync::atomic::Ordering;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::refusals_reported;
use send_wrapper::SendWrapper;

use crate::backend::error::ApiError;
use crate::backend::session::Session;
use crate::backend::teamup::TeamUp;
use crate::i18n::Tr;
use crate::model::teamup::Membership;
use crate::settings::TeamUpSettings;
use crate::ui::browser::session_get;
use crate::ui::common::{continue_button, load, LoadError, Loaded, Loading};
use crate::ui::events::host_events;
use crate::ui::{widget_transport, Common, INSTANCES};

/// Memberships shown at first, and added by each "Show more": a long catalogue renders (and
/// the browser lays out) a page at a time.
pub const CATALOGUE_PAGE: usize = 20;

/// What the first screen hands the checkout when its code has arrived.
#[derive(Clone)]
pub(crate) struct FirstScreen {
    /// The catalogue, asked for once by the first screen; the checkout reads (and reloads) it.
    /// `None` for a widget whose customers sign in: its checkout asks, with the customer's token.
    pub memberships: Option<Loaded<Result<Vec<Membership>, ApiError>>>,
    /// A membership chosen on the first screen, before the checkout was here.
    pub chosen: RwSignal<Option<u64>>,
    /// Unique per widget: element ids must not clash when a page holds two widgets, and stay the
    /// same when the checkout takes over (a screen reader's place in the list is kept).
    pub uid: usize,
    /// The session of the host page's token (renewed through its `getFreshToken`), if it gave one:
    /// one session for the first screen and the checkout, so a stale token is renewed once.
    pub host_session: Option<SendWrapper<Session>>,
}

/// The first screen of a TeamUp widget, then its checkout.
pub(crate) fn first_screen(settings: TeamUpSettings, common: Common) -> AnyView {
    let tr = common.tr;
    let events = host_events();
    let transport = widget_transport(common.timeout_ms).on_refused(refusals_reported(&events, tr));
    // Asked as the checkout would: with the host page's token if it gave one (as the loader's
    // early request asks, so its answer is used). A widget whose customers sign in leaves the
    // catalogue to its checkout, which asks with the signed-in customer's token.
    let signs_in = settings.client_id.is_some();
    let host_session = settings.token.clone().map(|token| {
        let session = Session::with_token(token);
        if let Some(renewal) = events.fresh_token_renewal() {
            session.set_renewal(renewal);
        }
        session
    });
    let api = TeamUp::with_session(&settings, transport, host_session.clone().unwrap_or_default());
    let first = FirstScreen {
        memberships: (!signs_in).then(|| load(&api, |api| async move { api.memberships().await })),
        chosen: RwSignal::new(None),
        uid: INSTANCES.fetch_add(1, Ordering::Relaxed) + 1,
        host_session: host_session.map(SendWrapper::new),
    };
    let offer_key = format!("{}:offer", crate::auth::storage_prefix(&settings.api_origin(), settings.client_id.as_deref(), settings.provider_id));
    let list_first = !signs_in && session_get(&offer_key).is_none();

    // The rest of the checkout: its download starts now, beside the memberships request.
    let (code, retry) = crate::split::fetched(teamup_form);
    let root = NodeRef::<leptos::html::Div>::new();
    let screen = move || match code.get() {
        Some(Ok(render)) => {
            // (The first screen is still in the page here: where is the keyboard in it?)
            let focused = focused_card(root);
            let view = render(settings.clone(), common.clone(), first.clone());
            if let Some(focused) = focused {
                refocus(focused, first.uid);
            }
            view
        }
        failed => {
            let failed = matches!(failed, Some(Err(_)));
            let (memberships, chosen, uid) = (first.memberships, first.chosen, first.uid);
            let list = move || first_list(memberships, chosen, uid, list_first, failed, retry, tr);
            view! {
                <div class="mc" data-testid="checkout" data-state=move || floor_state(memberships, failed) aria-busy="false"
                    lang=tr.locale dir=tr.dir() node_ref=root>
                    {list}
                </div>
            }
            .into_any()
        }
    };
    screen.into_any()
}

// SPLIT POINT `form`: everything of a TeamUp checkout but its first list (plans, classes, summary,
// sign-in, the purchase, coming back from paying), downloaded as soon as the widget starts and
// needed at the first choice.
crate::split::lazy_fn!(form;
    fn teamup_form() -> fn(TeamUpSettings, Common, FirstScreen) -> AnyView {
        |settings, common, first| view! { <super::TeamUpCheckout settings common first /> }.into_any()
    }
);

/// The root's `data-state` before the checkout is here: `loading`, or `load-error` when the
/// catalogue (or the checkout's code) could not be read. Never `browsing`: that is the checkout's.
fn floor_state(memberships: Option<Loaded<Result<Vec<Membership>, ApiError>>>, failed: bool) -> &'static str {
    match memberships.and_then(|l| l.with(|m| m.as_ref().map(Result::is_ok))) {
        Some(false) => "load-error",
        _ if failed => "load-error",
        _ => "loading",
    }
}

/// The list, or what stands in for it. Before it is here: the loading placeholders; if the
/// checkout's code could not download, a notice with Try again under the list (what was chosen
/// stays chosen).
#[allow(clippy::too_many_arguments)]
fn first_list(
    memberships: Option<Loaded<Result<Vec<Membership>, ApiError>>>,
    chosen: RwSignal<Option<u64>>,
    uid: usize,
    list_first: bool,
    failed: bool,
    retry: Callback<()>,
    tr: Tr,
) -> AnyView {
    let shown = memberships.and_then(|l| {
        l.with(|m| match m {
            Some(Ok(list)) if list_first && !list.is_empty() => Some(Ok(list[..list.len().min(CATALOGUE_PAGE)].to_vec())),
            Some(Err(error)) => Some(Err(error.clone())),
            _ => None,
        })
    });
    match shown {
        None if !failed => view! { <Loading label="loading.memberships" /> }.into_any(),
        None => crate::split::failure_notice(tr, retry).into_any(),
        Some(Err(error)) => {
            let retry = Callback::new(move |_| memberships.iter().for_each(Loaded::refetch));
            view! { <LoadError title="load_error.memberships" error retry /> }.into_any()
        }
        Some(Ok(list)) => {
            let cards = list
                .iter()
                .map(|m| {
                    let id = m.id;
                    membership_card(m, CardState {
                        uid,
                        tr,
                        chosen: Signal::derive(move || chosen.get() == Some(id)),
                        locked: Signal::stored(false),
                        invalid: Signal::stored(false),
                        error_shown: None,
                        on_choose: Callback::new(move |_| chosen.set(Some(id))),
                        on_interest: None,
                    })
                })
                .collect_view();
            view! {
                <form class="mc-form" novalidate on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                    <fieldset class="mc-section" id=format!("mc{uid}-membership") data-testid="memberships">
                        <legend class="mc-section__title">{tr.t("catalogue.title")}</legend>
                        <div class="mc-options">{cards}</div>
                    </fieldset>
                    {failed.then(|| crate::split::failure_notice(tr, retry))}
                    {(!failed).then(|| continue_button(|| false, "continue.reserving"))}
                </form>
            }
            .into_any()
        }
    }
}

/// The membership whose card has the keyboard, if one in `root` has, and the widget's shadow
/// root (or document) to find it again in.
fn focused_card(root: NodeRef<leptos::html::Div>) -> Option<(u64, web_sys::Node)> {
    let root = root.get_untracked()?;
    let scope = root.get_root_node();
    // `activeElement` of the shadow root (or document) the widget is in.
    let active = js_sys::Reflect::get(&scope, &"activeElement".into()).ok()?.dyn_into::<web_sys::Element>().ok()?;
    if !root.contains(Some(&active)) || active.get_attribute("name").as_deref() != Some("membership") {
        return None;
    }
    Some((active.get_attribute("value")?.parse().ok()?, scope))
}

/// Puts the keyboard back on the card it was on, once the checkout's list is in the page.
fn refocus((id, scope): (u64, web_sys::Node), uid: usize) {
    request_animation_frame(move || {
        let selector = format!("input[name=membership][aria-labelledby^=\"mc{uid}-m{id}-\"]");
        let found = match scope.dyn_ref::<web_sys::DocumentFragment>() {
            Some(shadow) => shadow.query_selector(&selector),
            None => scope.unchecked_ref::<web_sys::Document>().query_selector(&selector),
        };
        if let Ok(Some(input)) = found {
            let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    });
}

/// How one card of the catalogue reads and what it does.
pub(crate) struct CardState {
    pub uid: usize,
    pub tr: Tr,
    pub chosen: Signal<bool>,
    pub locked: Signal<bool>,
    pub invalid: Signal<bool>,
    /// The id of the catalogue's error paragraph while it says something (it then describes
    /// every card too).
    pub error_shown: Option<Signal<Option<String>>>,
    pub on_choose: Callback<()>,
    /// Interest in the card (pointing at it, the keyboard reaching it).
    pub on_interest: Option<Callback<()>>,
}

/// One membership of the catalogue, as the first screen and the checkout both show it: named by
/// its name and price; the kind, length and description describe it (a screen reader reads the
/// name first, the rest after a pause).
pub(crate) fn membership_card(m: &Membership, state: CardState) -> impl IntoView {
    let CardState { uid, tr, chosen, locked, invalid, error_shown, on_choose, on_interest } = state;
    let id = m.id;
    let meta = match m.duration_label(tr) {
        Some(d) => format!("{} · {d}", tr.t(m.kind_key())),
        None => tr.t(m.kind_key()).to_string(),
    };
    let part = format!("mc{uid}-m{id}");
    let description = m.description.clone().filter(|d| !d.trim().is_empty());
    let details = if description.is_some() { format!("{part}-meta {part}-desc") } else { format!("{part}-meta") };
    let described_by = move || match error_shown.and_then(|e| e.get()) {
        Some(error) => format!("{details} {error}"),
        None => details.clone(),
    };
    let interest = move || {
        if let Some(on_interest) = on_interest {
            on_interest.run(());
        }
    };
    view! {
        <label class="mc-option" class:mc-option--chosen=move || chosen.get() data-testid=format!("membership-{id}")
            on:pointerenter=move |_| interest() on:focusin=move |_| interest()>
            <input
                type="radio"
                name="membership"
                value=id.to_string()
                prop:checked=move || chosen.get()
                disabled=move || locked.get()
                aria-invalid=move || invalid.get().to_string()
                aria-labelledby=format!("{part}-name {part}-price")
                aria-describedby=described_by
                on:change=move |_| on_choose.run(())
            />
            <span class="mc-option__body">
                <span class="mc-option__name" id=format!("{part}-name")>{m.name.clone()}</span>
                <span class="mc-option__price" id=format!("{part}-price")>{m.price_label(tr)}</span>
                <span class="mc-option__meta" id=format!("{part}-meta")>{meta}</span>
                {description.map(|d| view! { <span class="mc-option__description" id=format!("{part}-desc")>{d}</span> })}
            </span>
        </label>
    }
}
