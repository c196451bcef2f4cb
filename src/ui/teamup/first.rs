//! A TeamUp widget's first screen, in plain DOM (no Leptos: this is the part of its checkout in
//! the main module of the embed build). It asks for the memberships and paints the catalogue list
//! from the answer; once that frame is on screen, the rest of the checkout (the `form` chunk:
//! plans, classes, summary, sign-in, the purchase, coming back from paying) downloads, so the
//! first paint has the network to itself. Once that code is here,
//! [`super::TeamUpCheckout`] replaces it in the same container with the same answer (not asked
//! again: a request still on its way is waited for), the same markup and ids, and whatever the
//! customer chose or focused meanwhile: the swap is not seen. Where the code is here at once (the
//! unsplit build, a chunk another widget fetched), the checkout mounts at once.
//!
//! A widget whose customers sign in, and one whose customer is back from the payment page, shows
//! its loading state until the checkout is here instead: who is signed in, and what happened to
//! the purchase, decide what it shows first.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::refusals_reported;
use crate::backend::error::ApiError;
use crate::backend::session::Session;
use crate::backend::teamup::TeamUp;
use crate::i18n::Tr;
use crate::model::teamup::Membership;
use crate::settings::TeamUpSettings;
use crate::ui::browser::session_get;
use crate::ui::dom::{self, add, add_text, el};
use crate::ui::events::HostEvents;
use crate::ui::start::{self, Inner, Mounted};
use crate::ui::{Common, INSTANCES};

/// Memberships shown at first, and added by each "Show more": a long catalogue renders (and
/// the browser lays out) a page at a time.
pub const CATALOGUE_PAGE: usize = 20;

/// The memberships answer.
pub(crate) type Memberships = Result<Vec<Membership>, ApiError>;

/// One answer that several wait for: the first screen and the checkout share the memberships
/// request this way (whoever comes while it is on its way is told when it answers).
pub(crate) struct Answer<T>(Rc<AnswerCell<T>>);

struct AnswerCell<T> {
    value: RefCell<Option<T>>,
    waiting: RefCell<Vec<Box<dyn FnOnce(&T)>>>,
}

impl<T> Clone for Answer<T> {
    fn clone(&self) -> Self {
        Answer(self.0.clone())
    }
}

impl<T: Clone + 'static> Answer<T> {
    pub fn new() -> Self {
        Answer(Rc::new(AnswerCell { value: RefCell::new(None), waiting: RefCell::new(Vec::new()) }))
    }

    /// The answer, if it is here.
    pub fn get(&self) -> Option<T> {
        self.0.value.borrow().clone()
    }

    /// Calls `then` with the answer: at once if it is here, else when it comes.
    pub fn when_ready(&self, then: impl FnOnce(&T) + 'static) {
        let here = self.0.value.borrow().clone();
        match here {
            Some(value) => then(&value),
            None => self.0.waiting.borrow_mut().push(Box::new(then)),
        }
    }

    fn set(&self, value: T) {
        *self.0.value.borrow_mut() = Some(value.clone());
        let waiting = std::mem::take(&mut *self.0.waiting.borrow_mut());
        for then in waiting {
            then(&value);
        }
    }
}

/// What the first screen hands the checkout when its code has arrived.
pub(crate) struct FirstScreen {
    /// The catalogue, asked for once by the first screen (maybe still on its way); the checkout
    /// reads it (and asks again on Try again). `None` for a widget whose customers sign in: its
    /// checkout asks, with the customer's token.
    pub memberships: Option<Answer<Memberships>>,
    /// A membership chosen on the first screen, before the checkout was here.
    pub chosen: Option<u64>,
    /// Unique per widget: element ids must not clash when a page holds two widgets, and stay the
    /// same when the checkout takes over (a screen reader's place in the list is kept).
    pub uid: usize,
    /// The session of the host page's token (renewed through its `getFreshToken`), if it gave one:
    /// one session for the first screen and the checkout, so a stale token is renewed once.
    pub host_session: Option<Session>,
}

/// The TeamUp checkout, mounted into a widget's container: what the `form` chunk holds.
pub(crate) type TeamUpMount = fn(HtmlElement, TeamUpSettings, Common, HostEvents, FirstScreen) -> Mounted;

// SPLIT POINT `form`: everything of a TeamUp checkout but its first list (plans, classes, summary,
// sign-in, the purchase, coming back from paying), downloaded once the first list is painted (at
// once by a widget that shows only its loading state until the checkout is here) and needed at the
// first choice.
crate::split::lazy_fn!(form;
    fn teamup_form() -> TeamUpMount {
        |container, settings, common, events, first| {
            crate::ui::mount_checkout(container, common.tr, common.payment_hosts.clone(), events, move || {
                view! { <super::TeamUpCheckout settings common first /> }.into_any()
            })
        }
    }
);

/// Asks for the catalogue, as the checkout would: with the host page's token if it gave one (as
/// the loader's early request asks, so its answer is used). A widget whose customers sign in
/// leaves the catalogue to its checkout, which asks with the signed-in customer's token.
fn ask(api: &TeamUp) -> Answer<Memberships> {
    let answer = Answer::new();
    let (api, filled) = (api.clone(), answer.clone());
    start::spawn(async move { filled.set(api.memberships().await) });
    answer
}

/// Starts a TeamUp widget in `inner`: the memberships asked for and the checkout's code fetched
/// at once; the first screen painted meanwhile.
pub(crate) fn start(inner: &Rc<Inner>, settings: TeamUpSettings, common: Common, events: HostEvents) {
    let tr = common.tr;
    let transport = inner.transport(common.timeout_ms).on_refused(refusals_reported(&events, tr));
    let signs_in = settings.client_id.is_some();
    let host_session = settings.token.clone().map(|token| {
        let session = Session::with_token(token);
        if let Some(renewal) = events.fresh_token_renewal() {
            session.set_renewal(renewal);
        }
        session
    });
    let api = TeamUp::with_session(&settings, transport, host_session.clone().unwrap_or_default());
    let uid = INSTANCES.fetch_add(1, Ordering::Relaxed) + 1;
    let memberships = (!signs_in).then(|| ask(&api));
    let offer_key = format!("{}:offer", crate::auth::storage_prefix(&settings.api_origin(), settings.client_id.as_deref(), settings.provider_id));
    let list_first = !signs_in && session_get(&offer_key).is_none();
    // In the split build, a widget that paints its list first starts downloading the checkout's
    // code once the list (or its load error) has been painted, so the first paint has the network
    // to itself; one that shows only its loading state needs the code to paint anything, at once.
    let after_paint = cfg!(feature = "split") && list_first;
    let mut code = Box::pin(teamup_form());
    let failed = match (!after_paint).then(|| start::ready_now(&mut code)).flatten() {
        Some(Ok(mount)) => {
            let first = FirstScreen { memberships, chosen: None, uid, host_session };
            inner.took_over(mount(inner.container.clone(), settings, common, events, first));
            return;
        }
        Some(Err(error)) => {
            start::report_chunk_failure(error);
            true
        }
        None => false,
    };
    let screen = Rc::new(Screen {
        inner: Rc::downgrade(inner),
        settings,
        common,
        events,
        api,
        memberships: RefCell::new(memberships),
        host_session,
        chosen: Cell::new(None),
        failed: Cell::new(failed),
        done: Cell::new(false),
        list_first,
        uid,
    });
    screen.paint();
    if after_paint {
        screen.fetch_code_after_the_list(code);
    } else {
        screen.repaint_when_answered();
        if !failed {
            screen.fetch_code(code);
        }
    }
}


/// The first screen of one widget.
struct Screen {
    inner: Weak<Inner>,
    settings: TeamUpSettings,
    common: Common,
    events: HostEvents,
    /// As the checkout asks (see [`ask`]), aborted with the widget.
    api: TeamUp,
    /// `None` in a widget whose customers sign in (see [`FirstScreen::memberships`]).
    memberships: RefCell<Option<Answer<Memberships>>>,
    host_session: Option<Session>,
    chosen: Cell<Option<u64>>,
    /// The checkout's code could not download.
    failed: Cell<bool>,
    /// The checkout has taken over.
    done: Cell<bool>,
    list_first: bool,
    uid: usize,
}

impl Screen {
    /// The widget, while this screen is its own.
    fn widget(&self) -> Option<Rc<Inner>> {
        self.inner.upgrade().filter(|inner| !inner.gone() && !self.done.get())
    }

    fn repaint_when_answered(self: &Rc<Self>) {
        let screen = self.clone();
        let answer = self.memberships.borrow().clone();
        if let Some(answer) = answer {
            answer.when_ready(move |_| screen.paint());
        }
    }

    /// Paints the answer when it comes, then, once that frame is on screen, fetches the checkout.
    fn fetch_code_after_the_list(self: &Rc<Self>, code: std::pin::Pin<Box<impl std::future::Future<Output = Result<TeamUpMount, crate::split::ChunkError>> + 'static>>) {
        let screen = self.clone();
        let answer = self.memberships.borrow().clone();
        let Some(answer) = answer else { return self.fetch_code(code) };
        answer.when_ready(move |_| {
            screen.paint();
            crate::split::after_next_paint(move || screen.fetch_code(code));
        });
    }

    fn fetch_code(self: &Rc<Self>, code: std::pin::Pin<Box<impl std::future::Future<Output = Result<TeamUpMount, crate::split::ChunkError>> + 'static>>) {
        let screen = self.clone();
        start::spawn(async move {
            let result = code.await;
            let Some(inner) = screen.widget() else { return };
            match result {
                Ok(mount) => screen.take_over(&inner, mount),
                Err(error) => {
                    start::report_chunk_failure(error);
                    screen.failed.set(true);
                    screen.paint();
                }
            }
        });
    }

    /// The checkout is here: it replaces this screen, with the answer, the choice and the focus.
    fn take_over(&self, inner: &Rc<Inner>, mount: TeamUpMount) {
        let focused = focused_card(&inner.container);
        self.done.set(true);
        let first = FirstScreen {
            memberships: self.memberships.borrow().clone(),
            chosen: self.chosen.get(),
            uid: self.uid,
            host_session: self.host_session.clone(),
        };
        inner.took_over(mount(inner.container.clone(), self.settings.clone(), self.common.clone(), self.events.clone(), first));
        if let Some(focused) = focused {
            refocus(focused, self.uid);
        }
    }

    /// Paints the screen as it now is. The root's `data-state` before the checkout is here:
    /// `loading`, or `load-error` when the catalogue (or the checkout's code) could not be read.
    /// Never `browsing`: that is the checkout's.
    fn paint(self: &Rc<Self>) {
        let Some(inner) = self.widget() else { return };
        let tr = self.common.tr;
        let answer = self.memberships.borrow().as_ref().and_then(Answer::get);
        let failed = self.failed.get();
        let state = match &answer {
            Some(Err(_)) => "load-error",
            _ if failed => "load-error",
            _ => "loading",
        };
        let root = start::root(tr, &[("class", "mc"), ("data-testid", "checkout"), ("data-state", state), ("aria-busy", "false")]);
        inner.paint(&root);
        match answer {
            Some(Ok(list)) if self.list_first && !list.is_empty() => self.list(&inner, &root, &list[..list.len().min(CATALOGUE_PAGE)], failed),
            Some(Err(error)) => {
                let (notice, retry) = dom::notice(tr.t("load_error.memberships"), &tr.text(&error.user_message()), "load-error", "reload", tr);
                add(&root, notice);
                let screen = self.clone();
                inner.listeners.on(&retry, "click", move |_| screen.reload());
            }
            _ if !failed => {
                add(&root, dom::loading(tr, "loading.memberships"));
            }
            _ => {
                self.failure_notice(&inner, &root);
            }
        }
    }

    /// The list (the first page of it), as the checkout's catalogue shows it; if the checkout's
    /// code could not download, a notice with Try again under it (what was chosen stays chosen).
    fn list(self: &Rc<Self>, inner: &Rc<Inner>, root: &Element, list: &[Membership], failed: bool) {
        let tr = self.common.tr;
        let form = add(root, el("form", &[("class", "mc-form"), ("novalidate", "")]));
        inner.listeners.on(&form, "submit", |event| event.prevent_default());
        let fieldset = add(
            &form,
            el("fieldset", &[("class", "mc-section"), ("id", &format!("mc{}-membership", self.uid)), ("data-testid", "memberships")]),
        );
        add_text(&fieldset, "legend", &[("class", "mc-section__title")], tr.t("catalogue.title"));
        let options = add(&fieldset, el("div", &[("class", "mc-options")]));
        let chosen = self.chosen.get();
        let mut labels = Vec::with_capacity(list.len());
        for m in list {
            let (label, input) = plain_card(m, self.uid, tr, chosen == Some(m.id));
            add(&options, label.clone());
            labels.push((m.id, label, input));
        }
        let labels = Rc::new(labels);
        for (id, _, input) in labels.iter() {
            let (screen, labels, id) = (self.clone(), labels.clone(), *id);
            inner.listeners.on(input, "change", move |_| {
                screen.chosen.set(Some(id));
                for (other, label, _) in labels.iter() {
                    let class = if *other == id { "mc-option mc-option--chosen" } else { "mc-option" };
                    let _ = label.set_attribute("class", class);
                }
            });
        }
        if failed {
            self.failure_notice(inner, &form);
        } else {
            add(&form, dom::continue_button(tr));
        }
    }

    fn failure_notice(self: &Rc<Self>, inner: &Rc<Inner>, parent: &Element) {
        let (notice, retry) = dom::failure_notice(self.common.tr);
        add(parent, notice);
        let screen = self.clone();
        inner.listeners.on(&retry, "click", move |_| {
            screen.failed.set(false);
            screen.paint();
            screen.fetch_code(Box::pin(teamup_form()));
        });
    }

    /// Try again after the catalogue could not be read.
    fn reload(self: &Rc<Self>) {
        *self.memberships.borrow_mut() = Some(ask(&self.api));
        self.paint();
        self.repaint_when_answered();
    }
}

/// The membership whose card has the keyboard, if one in `container` has, and the widget's shadow
/// root (or document) to find it again in.
fn focused_card(container: &HtmlElement) -> Option<(u64, web_sys::Node)> {
    let scope = container.get_root_node();
    // `activeElement` of the shadow root (or document) the widget is in.
    let active = js_sys::Reflect::get(&scope, &"activeElement".into()).ok()?.dyn_into::<Element>().ok()?;
    if !container.contains(Some(&active)) || active.get_attribute("name").as_deref() != Some("membership") {
        return None;
    }
    Some((active.get_attribute("value")?.parse().ok()?, scope))
}

/// Puts the keyboard back on the card it was on, once the checkout's list is in the page.
fn refocus((id, scope): (u64, web_sys::Node), uid: usize) {
    let Some(window) = web_sys::window() else { return };
    let again = wasm_bindgen::closure::Closure::once_into_js(move || {
        let selector = format!("input[name=membership][aria-labelledby^=\"mc{uid}-m{id}-\"]");
        let found = match scope.dyn_ref::<web_sys::DocumentFragment>() {
            Some(shadow) => shadow.query_selector(&selector),
            None => scope.unchecked_ref::<web_sys::Document>().query_selector(&selector),
        };
        if let Ok(Some(input)) = found {
            let _ = input.unchecked_into::<HtmlElement>().focus();
        }
    });
    let _ = window.request_animation_frame(again.unchecked_ref());
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

/// What a card says, and its element ids: one source for both card writers.
struct CardText {
    /// The prefix of the card's element ids (`mc<uid>-m<id>`).
    part: String,
    /// The kind and length (`Recurring · 1 month`).
    meta: String,
    description: Option<String>,
    /// The ids that describe the card (`aria-describedby`, before any error).
    details: String,
}

impl CardText {
    fn of(m: &Membership, uid: usize, tr: Tr) -> CardText {
        let meta = match m.duration_label(tr) {
            Some(d) => format!("{} · {d}", tr.t(m.kind_key())),
            None => tr.t(m.kind_key()).to_string(),
        };
        let part = format!("mc{uid}-m{}", m.id);
        let description = m.description.clone().filter(|d| !d.trim().is_empty());
        let details = if description.is_some() { format!("{part}-meta {part}-desc") } else { format!("{part}-meta") };
        CardText { part, meta, description, details }
    }
}

// THE TWO CARD WRITERS: `membership_card` (Leptos, the checkout's list) and `plain_card` (plain DOM,
// the first list the main module paints before the checkout is here) must write the same markup,
// byte for byte: the same elements, attributes in the same order, the same text. When the checkout
// takes over, its cards replace the plain ones unseen (e2e/tests/chunks.rs compares their
// outerHTML; `the_two_card_writers_write_the_same_markup` below does too). Change both together.

/// One membership of the catalogue, as the checkout shows it: named by its name and price; the
/// kind, length and description describe it (a screen reader reads the name first, the rest after
/// a pause). Its plain twin is [`plain_card`].
pub(crate) fn membership_card(m: &Membership, state: CardState) -> impl IntoView {
    let CardState { uid, tr, chosen, locked, invalid, error_shown, on_choose, on_interest } = state;
    let id = m.id;
    let CardText { part, meta, description, details } = CardText::of(m, uid, tr);
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

/// The first list's card (plain DOM): [`membership_card`]'s markup for a card that is neither
/// locked nor invalid, `chosen` or not. Returns the card and its radio button.
fn plain_card(m: &Membership, uid: usize, tr: Tr, chosen: bool) -> (Element, Element) {
    let id = m.id;
    let CardText { part, meta, description, details } = CardText::of(m, uid, tr);
    let class = if chosen { "mc-option mc-option--chosen" } else { "mc-option" };
    let label = el("label", &[("class", class), ("data-testid", &format!("membership-{id}"))]);
    let input = add(
        &label,
        el(
            "input",
            &[
                ("type", "radio"),
                ("name", "membership"),
                ("value", &id.to_string()),
                ("aria-invalid", "false"),
                ("aria-labelledby", &format!("{part}-name {part}-price")),
                ("aria-describedby", &details),
            ],
        ),
    );
    if chosen {
        // The property, as the checkout's `prop:checked`: the attribute would change the markup.
        let _ = js_sys::Reflect::set(&input, &"checked".into(), &true.into());
    }
    // Leptos' markers (see `dom::markers`): one after each text, one for an absent description,
    // two after the children of the body and of the label.
    let body = add(&label, el("span", &[("class", "mc-option__body")]));
    let texts = [("mc-option__name", "name", m.name.clone()), ("mc-option__price", "price", m.price_label(tr)), ("mc-option__meta", "meta", meta)];
    for (class, id, words) in texts {
        let span = add_text(&body, "span", &[("class", class), ("id", &format!("{part}-{id}"))], &words);
        dom::markers(&span, 1);
    }
    match description {
        Some(d) => dom::markers(&add_text(&body, "span", &[("class", "mc-option__description"), ("id", &format!("{part}-desc"))], &d), 1),
        None => dom::markers(&body, 1),
    }
    dom::markers(&body, 2);
    dom::markers(&label, 2);
    (label, input)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod web {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::*;
    use crate::i18n::Lang;

    wasm_bindgen_test_configure!(run_in_browser);

    fn membership(description: Option<&str>) -> Membership {
        serde_json::from_value(serde_json::json!({
            "id": 7, "type": "recurring_plan", "name": "Unlimited <monthly> & more", "for_sale": true,
            "visible_to_customers": true, "description": description,
        }))
        .unwrap()
    }

    /// Both card writers, for the same membership, write the same markup (see THE TWO CARD WRITERS).
    #[wasm_bindgen_test]
    fn the_two_card_writers_write_the_same_markup() {
        for description in [None, Some("Every class, every day."), Some("  ")] {
            for chosen in [false, true] {
                let m = membership(description);
                let tr = Tr::of(Lang::En);
                let host: web_sys::HtmlElement = crate::ui::dom::el("div", &[]).unchecked_into();
                let leptos_card = m.clone();
                let _handle = leptos::mount::mount_to(host.clone(), move || {
                    membership_card(&leptos_card, CardState {
                        uid: 3,
                        tr,
                        chosen: Signal::stored(chosen),
                        locked: Signal::stored(false),
                        invalid: Signal::stored(false),
                        error_shown: None,
                        on_choose: Callback::new(|_| ()),
                        on_interest: None,
                    })
                });
                let (plain, input) = plain_card(&m, 3, tr, chosen);
                assert_eq!(plain.outer_html(), host.inner_html(), "description {description:?}, chosen {chosen}");
                let leptos_input = host.query_selector("input").unwrap().unwrap();
                let checked = |e: &Element| js_sys::Reflect::get(e, &"checked".into()).unwrap().as_bool();
                assert_eq!(checked(&input), checked(&leptos_input));
            }
        }
    }
}
