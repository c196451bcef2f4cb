//! Component tests in headless Chromium (wasm-bindgen-test). Each mounts a real widget into a
//! host element, the way a studio page does, and reads the DOM it renders.
#![cfg(target_arch = "wasm32")]

use membership_checkout::backend::Receipt;
use membership_checkout::checkout::PendingOffer;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// Where the widget on [`UNREACHABLE`] keeps an offer: under its API origin, client (none) and provider.
const OFFER_KEY: &str = r#"membership-checkout:["http://127.0.0.1:9","",100]:offer"#;
/// The same for a sign-in widget (client `demo`) on that API.
const SIGN_IN_KEY: &str = r#"membership-checkout:["http://127.0.0.1:9","demo",100]:sign-in"#;
const TOKENS_KEY: &str = r#"membership-checkout:["http://127.0.0.1:9","demo",100]:tokens"#;

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A host element with the given attributes, attached to the page.
fn host(attrs: &[(&str, &str)]) -> HtmlElement {
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    el.set_attribute("data-membership-checkout", "").unwrap();
    for (k, v) in attrs {
        el.set_attribute(k, v).unwrap();
    }
    document().body().unwrap().append_child(&el).unwrap();
    el
}

/// Valid settings whose API can't be reached (nothing listens on port 9).
const UNREACHABLE: [(&str, &str); 3] =
    [("data-api-base", "http://127.0.0.1:9/api/v2"), ("data-provider-id", "100"), ("data-token", "t")];

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// What the widget renders: the host element's shadow root.
fn inside(host: &HtmlElement) -> web_sys::ShadowRoot {
    host.shadow_root().expect("the widget renders into the host's shadow root")
}

/// Polls until `selector` matches inside the widget in `host` (reactive updates and fetches are async).
async fn wait_for(host: &HtmlElement, selector: &str) -> HtmlElement {
    for _ in 0..100 {
        // A custom element mounts a moment after it is connected.
        if let Some(el) = host.shadow_root().and_then(|root| root.query_selector(selector).unwrap()) {
            return el.unchecked_into();
        }
        sleep(50).await;
    }
    panic!("{selector} never appeared; the widget shows: {}", inside(host).inner_html());
}

fn state(host: &HtmlElement) -> String {
    inside(host).query_selector("[data-testid=checkout]").unwrap().unwrap().get_attribute("data-state").unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().session_storage().unwrap().unwrap()
}

fn pending(minutes_left: f64) -> String {
    pending_with(minutes_left, Receipt::None)
}

fn pending_with(minutes_left: f64, receipt: Receipt) -> String {
    serde_json::to_string(&PendingOffer {
        next_url: "http://127.0.0.1:9/pay/abc".into(),
        expires_local_ms: js_sys::Date::now() + minutes_left * 60_000.0,
        membership_name: "Unlimited Monthly".into(),
        receipt,
        auto_redirect: false,
        new_tab: false,
    })
    .unwrap()
}

/// Alex bought Unlimited Monthly (103) holding none before.
fn bought_103() -> Receipt {
    Receipt::TeamUp { customer: 4242, membership: 103, booking: None, known: Some(vec![]), since: "2020-01-01".into() }
}

/// TeamUp answering every list with `held` as the customer's memberships (and nothing else).
fn holding(held: &str) -> String {
    format!(
        r#"async (url) => {{
            window.__asked = (window.__asked || []).concat([url]);
            const page = results => new Response(JSON.stringify({{ count: results.length, next: null, previous: null, results }}),
                {{ status: 200, headers: {{ 'Content-Type': 'application/json' }} }});
            if (url.includes('/customer_memberships')) return page({held});
            return page([]);
        }}"#
    )
}

#[wasm_bindgen_test]
async fn invalid_settings_are_explained_in_place_of_the_widget() {
    let el = host(&[("data-api-base", "/api/v2"), ("data-token", "t"), ("data-auth-prefix", "Basic")]);
    let _widget = membership_checkout::mount(el.clone());
    let notice = wait_for(&el, "[data-testid=config-error]").await;
    let text = notice.text_content().unwrap();
    assert!(text.contains("data-provider-id"), "{text}");
    assert!(text.contains("data-auth-prefix"), "{text}");
    assert!(!text.contains("data-api-base"), "a valid attribute is not blamed: {text}");
    assert_eq!(state(&el), "config-error");
}

#[wasm_bindgen_test]
async fn fallback_content_is_replaced_and_mounting_twice_is_harmless() {
    storage().clear().unwrap();
    let el = host(&UNREACHABLE);
    el.set_inner_html("<p class=fallback>Loading…</p>");
    membership_checkout::mount_all();
    membership_checkout::mount_all();
    wait_for(&el, "[data-testid=checkout]").await;
    let fallback = el.query_selector(".fallback").unwrap().unwrap();
    assert_eq!(fallback.get_client_rects().length(), 0, "the fallback is not rendered beside the widget");
    assert_eq!(inside(&el).query_selector_all("[data-testid=checkout]").unwrap().length(), 1);
    el.remove();
}

#[wasm_bindgen_test]
async fn an_unreachable_api_shows_a_plain_error_with_retry() {
    storage().clear().unwrap();
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    let error = wait_for(&el, "[data-testid=load-error]").await;
    assert!(error.text_content().unwrap().contains("couldn't reach the booking system"), "{}", error.inner_html());
    assert_eq!(state(&el), "load-error");
    let retry = wait_for(&el, "[data-testid=reload]").await;
    retry.click();
    // It tries again (and fails again): the error comes back rather than a blank widget.
    sleep(100).await;
    wait_for(&el, "[data-testid=load-error]").await;
}

/// `?outcome=paid` in the address is never believed: back from the payment page, the widget asks
/// TeamUp for the customer's memberships, and says what it finds (here: nothing).
#[wasm_bindgen_test]
async fn an_outcome_in_the_address_is_never_believed() {
    storage().set_item(OFFER_KEY, &pending_with(10.0, bought_103())).unwrap();
    js("window.__asked = [];");
    let _fetch = FakeFetch::install(&holding("[]"));
    let window = web_sys::window().unwrap();
    let original = window.location().href().unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("?keep=1&outcome=paid&purchase=pur_7")).unwrap();

    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    let said = wait_for(&el, "[data-testid=confirming][data-confirmation=not-found]").await;
    assert_eq!(state(&el), "confirming");
    assert!(said.text_content().unwrap().contains("Unlimited Monthly"), "{}", said.inner_html());
    assert!(inside(&el).query_selector("[data-testid=outcome]").unwrap().is_none(), "nothing false is shown");
    let asked = js("window.__asked.join(' ')").as_string().unwrap();
    assert!(asked.contains("/customer_memberships?customer=4242&membership=103"), "TeamUp is asked: {asked}");
    // While the offer is open, the customer can still go and pay, or check again.
    wait_for(&el, "[data-testid=payment-link]").await;
    wait_for(&el, "[data-testid=check-again]").await;
    assert_eq!(storage().get_item(OFFER_KEY).unwrap().is_some(), true, "kept until settled");
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&original)).unwrap();
    storage().clear().unwrap();
}

/// A purchase TeamUp shows on the customer's account is confirmed, named, and done with.
#[wasm_bindgen_test]
async fn a_return_is_confirmed_by_the_customers_memberships() {
    storage().set_item(OFFER_KEY, &pending_with(10.0, bought_103())).unwrap();
    let _fetch = FakeFetch::install(&holding(r#"[{ id: 7001, status: 'active', membership: 103, start_date: '2030-01-01' }]"#));
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    let outcome = wait_for(&el, "[data-testid=outcome]").await;
    assert_eq!(outcome.get_attribute("data-outcome").as_deref(), Some("paid"));
    assert!(outcome.text_content().unwrap().contains("Unlimited Monthly"), "{}", outcome.inner_html());
    assert_eq!(state(&el), "outcome");
    sleep(50).await;
    assert_eq!(storage().get_item(OFFER_KEY).unwrap(), None, "the pending offer is done with");
}

#[wasm_bindgen_test]
async fn coming_back_before_expiry_shows_the_countdown_and_link() {
    storage().set_item(OFFER_KEY, &pending(10.0)).unwrap();
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    let countdown = wait_for(&el, "[data-testid=countdown]").await;
    let shown = countdown.text_content().unwrap();
    assert!(shown == "10:00" || shown == "09:59", "countdown shows {shown}");
    assert_eq!(state(&el), "redirecting");
    let link = wait_for(&el, "[data-testid=payment-link]").await;
    assert_eq!(link.get_attribute("href").as_deref(), Some("http://127.0.0.1:9/pay/abc"));
    // Screen readers hear the time left politely, once, not each tick; the offer has the focus.
    let said = wait_for(&el, "[data-testid=countdown-announcement]").await;
    assert_eq!(said.get_attribute("aria-live").as_deref(), Some("polite"));
    assert_eq!(countdown.get_attribute("aria-live").as_deref(), Some("off"));
    let first = said.text_content().unwrap();
    assert_eq!(first, "10 minutes left to pay.");
    sleep(1300).await;
    let later = countdown.text_content().unwrap();
    assert_ne!(later, shown, "the countdown moves");
    assert_eq!(said.text_content().unwrap(), first, "nothing new is said between milestones");
    let focused = inside(&el).active_element().and_then(|a| a.get_attribute("data-testid"));
    assert_eq!(focused.as_deref(), Some("offer"), "the held offer takes the focus");
    storage().clear().unwrap();
}

#[wasm_bindgen_test]
async fn an_expired_offer_is_reported_lapsed_and_can_start_again() {
    storage().set_item(OFFER_KEY, &pending(-1.0)).unwrap();
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    let lapsed = wait_for(&el, "[data-testid=lapsed]").await;
    assert!(lapsed.text_content().unwrap().contains("Unlimited Monthly"));
    wait_for(&el, "[data-testid=start-again]").await.click();
    sleep(50).await;
    assert!(inside(&el).query_selector("[data-testid=lapsed]").unwrap().is_none());
    assert_ne!(state(&el), "lapsed");
    assert_eq!(storage().get_item(OFFER_KEY).unwrap(), None);
}

#[wasm_bindgen_test]
async fn a_countdown_reaching_zero_lapses_the_offer() {
    storage().set_item(OFFER_KEY, &pending(1.0 / 60.0)).unwrap(); // one second left
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=countdown]").await;
    wait_for(&el, "[data-testid=lapsed]").await;
    assert_eq!(state(&el), "lapsed");
    storage().clear().unwrap();
}

#[wasm_bindgen_test]
async fn unmounting_removes_the_widget() {
    storage().clear().unwrap();
    let el = host(&UNREACHABLE);
    let widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=checkout]").await;
    drop(widget);
    sleep(20).await;
    assert!(inside(&el).query_selector("[data-testid=checkout]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn uelz_mode_names_its_own_missing_attribute() {
    let el = host(&[("data-backend", "uelz"), ("data-customer-id", "has space")]);
    let _widget = membership_checkout::mount(el.clone());
    let text = wait_for(&el, "[data-testid=config-error]").await.text_content().unwrap();
    assert!(text.contains("data-gateway-url") && text.contains("data-customer-id"), "{text}");
    assert!(!text.contains("data-provider-id") && !text.contains("data-token"), "TeamUp attributes aren't needed: {text}");
}

#[wasm_bindgen_test]
async fn uelz_mode_with_an_unreachable_gateway_offers_to_reload() {
    let el = host(&[("data-backend", "uelz"), ("data-gateway-url", "http://127.0.0.1:9/v1")]);
    let _widget = membership_checkout::mount(el.clone());
    let notice = wait_for(&el, "[data-testid=load-error]").await;
    assert!(notice.text_content().unwrap().contains("couldn't load the plans"), "{}", notice.inner_html());
    assert_eq!(state(&el), "load-error");
    let root = inside(&el).query_selector("[data-testid=checkout]").unwrap().unwrap();
    assert_eq!(root.get_attribute("data-backend").as_deref(), Some("uelz"));
    wait_for(&el, "[data-testid=reload]").await.click();
    wait_for(&el, "[data-testid=load-error]").await;
}

/// Replaces the page's `fetch` (the widget's only way out) with `script`, a JS function
/// `(url, init) => Promise<Response>`; the returned guard puts the real one back.
struct FakeFetch;

impl FakeFetch {
    fn install(script: &str) -> FakeFetch {
        js_sys::eval(&format!("window.__realFetch = window.__realFetch || window.fetch; window.fetch = {script};")).unwrap();
        FakeFetch
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        let _ = js_sys::eval("if (window.__realFetch) { window.fetch = window.__realFetch; delete window.__realFetch; }");
    }
}

fn js(expr: &str) -> wasm_bindgen::JsValue {
    js_sys::eval(expr).unwrap()
}

const HOSTILE: &str = r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>"#;

#[wasm_bindgen_test]
async fn api_strings_are_shown_as_text_and_never_run() {
    storage().clear().unwrap();
    js("window.__pwned = undefined;");
    let hostile = serde_json::to_string(HOSTILE).unwrap();
    let _fetch = FakeFetch::install(&format!(
        r#"async (url) => {{
            const h = {hostile};
            const page = results => new Response(JSON.stringify({{ count: results.length, next: null, previous: null, results }}),
                {{ status: 200, headers: {{ 'Content-Type': 'application/json' }} }});
            if (url.includes('/auth/profiles')) return page([{{ id: 4242, profile_type: 'customer', provider: 100, name: h }}]);
            if (url.includes('permits_registration_for_event')) return page([{{ id: 101 }}]);
            if (url.includes('/memberships')) return page([{{ id: 101, type: 'pack', name: h, description: h, for_sale: true,
                visible_to_customers: true, display_price: {{ decimal: '10.00', string: h, iso_currency_code: 'gbp' }} }}]);
            if (url.includes('/events')) return page([{{ id: 5001, name: h, starts_at: '2099-01-01T10:00:00Z', ends_at: '2099-01-01T11:00:00Z',
                status: 'active', offering_type: {{ id: 1, name: h }}, venue: {{ id: 1, name: h }} }}]);
            return page([]);
        }}"#
    ));
    let el = host(&[("data-api-base", "http://127.0.0.1:9/api/v2"), ("data-provider-id", "100"), ("data-token", "t")]);
    let _widget = membership_checkout::mount(el.clone());
    let option = wait_for(&el, "[data-testid=memberships] label").await;
    wait_for(&el, "input[name=membership]").await.click();
    wait_for(&el, "[data-testid=event-select] option[value='5001']").await;
    sleep(100).await;
    assert!(option.text_content().unwrap().contains("<script>window.__pwned=1</script>"), "shown literally: {}", option.inner_html());
    assert!(inside(&el).query_selector("script, img").unwrap().is_none(), "no element was made from API text: {}", inside(&el).inner_html());
    assert!(js("window.__pwned").is_undefined(), "an API string ran as code");
}

#[wasm_bindgen_test]
async fn the_token_never_reaches_the_dom_the_address_or_the_console() {
    storage().clear().unwrap();
    js("window.__logged = []; window.__realError = console.error; console.error = (...a) => { window.__logged.push(a.join(' ')); };");
    let _fetch = FakeFetch::install(
        r#"async (url, init) => new Response(JSON.stringify({ code: 'authentication_failed', message: 'Invalid token.',
            type: 'invalid_request_error', field_errors: {} }), { status: 401, headers: { 'Content-Type': 'application/json' } })"#,
    );
    const TOKEN: &str = "secret-token-7f3a9c";
    let el = host(&[("data-api-base", "http://127.0.0.1:9/api/v2"), ("data-provider-id", "100"), ("data-token", TOKEN)]);
    let _widget = membership_checkout::mount(el.clone());
    let notice = wait_for(&el, "[data-testid=load-error]").await;
    let logged = js("window.__logged.join('\\n')").as_string().unwrap_or_default();
    js("console.error = window.__realError;");
    assert!(notice.text_content().unwrap().contains("Invalid token."), "{}", notice.inner_html());
    let page = document().document_element().unwrap().outer_html() + &inside(&el).inner_html();
    assert!(!page.contains(TOKEN), "the token is in the DOM");
    assert!(el.get_attribute("data-token").is_none(), "the attribute is removed once read");
    assert!(!web_sys::window().unwrap().location().href().unwrap().contains(TOKEN));
    assert!(!logged.contains(TOKEN), "the token was logged: {logged}");
}

#[wasm_bindgen_test]
async fn removing_the_widget_aborts_its_requests() {
    storage().clear().unwrap();
    js("window.__started = 0; window.__aborted = 0; window.__urls = [];");
    let _fetch = FakeFetch::install(
        r#"(url, init) => new Promise((resolve, reject) => {
            window.__started++; window.__urls.push(String(url));
            init.signal.addEventListener('abort', () => { window.__aborted++; reject(new DOMException('aborted', 'AbortError')); });
        })"#,
    );
    let el = host(&UNREACHABLE);
    let widget = membership_checkout::mount(el.clone());
    for _ in 0..50 {
        if js("window.__started").as_f64().unwrap_or(0.0) >= 4.0 {
            break;
        }
        sleep(20).await;
    }
    let started = js("window.__started").as_f64().unwrap();
    assert!(started >= 4.0, "profile, catalogue, events and slots load at once: {started}");
    assert_eq!(js("window.__aborted").as_f64().unwrap(), 0.0);
    drop(widget);
    sleep(50).await;
    assert_eq!(js("window.__aborted").as_f64().unwrap(), started, "every request in flight is aborted on removal");
    sleep(600).await;
    assert_eq!(js("window.__started").as_f64().unwrap(), started, "and nothing is retried after removal: {:?}", js("window.__urls.join(' ')").as_string());
}

/// A catalogue of one pack; `initiate_purchase` answers with `next_url`.
fn studio_offering(next_url: &str) -> String {
    let next_url = serde_json::to_string(next_url).unwrap();
    format!(
        r#"async (url, init) => {{
            const json = (body, status = 200) => new Response(JSON.stringify(body), {{ status, headers: {{ 'Content-Type': 'application/json' }} }});
            const page = results => json({{ count: results.length, next: null, previous: null, results }});
            if (url.includes('/initiate_purchase')) return json({{ next_url: {next_url}, expires_at: new Date(Date.now() + 600000).toISOString() }});
            if (url.includes('/auth/profiles')) return page([{{ id: 4242, profile_type: 'customer', provider: 100 }}]);
            if (url.includes('/memberships')) return page([{{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true, visible_to_customers: true }}]);
            return page([]);
        }}"#
    )
}

#[wasm_bindgen_test]
async fn an_untrusted_payment_address_is_refused_with_a_reason() {
    for (next_url, reason) in [
        ("javascript:alert(1)", "not a web address"),
        ("https://goteamup.com.evil.example/pay/1", "evil.example, which this studio hasn't approved"),
        ("http://studio-api.example/pay/1", "not secure"),
        ("https://user@studio-api.example/pay/1", "user name or password"),
    ] {
        storage().clear().unwrap();
        let _fetch = FakeFetch::install(&studio_offering(next_url));
        let el = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-token", "t")]);
        // The reason is for the studio's developer (the error event and the console); the
        // customer is told plainly that nothing was opened.
        js("window.__refusal = null;");
        let record = js("(e) => { window.__refusal = e.detail.message; }");
        el.add_event_listener_with_callback("membership-checkout:error", record.unchecked_ref()).unwrap();
        let _widget = membership_checkout::mount(el.clone());
        wait_for(&el, "input[name=membership]").await.click();
        wait_for(&el, "[data-testid=continue]").await.click();
        let error = wait_for(&el, "[data-testid=form-error]").await.text_content().unwrap();
        assert!(error.contains("isn't one this widget may send you to"), "{next_url}: {error}");
        let told = js("window.__refusal").as_string().unwrap_or_default();
        assert!(told.contains(reason), "{next_url}: the error event says {told:?}");
        assert_eq!(state(&el), "browsing", "{next_url}: the page stays, choices kept");
        assert!(inside(&el).query_selector("[data-testid=retry]").unwrap().is_none(), "retrying can't help");
        assert!(storage().get_item(OFFER_KEY).unwrap().is_none(), "a refused offer isn't kept");
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn the_host_page_hears_each_step_and_can_take_over_the_redirect() {
    storage().clear().unwrap();
    let _fetch = FakeFetch::install(&studio_offering("https://studio-api.example/pay/abc"));
    let el = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-token", "t")]);
    // The host records every event and handles the redirect itself.
    js("window.__events = [];");
    let record = js(r#"(e) => { window.__events.push([e.type, JSON.stringify(e.detail)]);
                                if (e.type === 'membership-checkout:redirect') e.preventDefault(); }"#);
    let record: &js_sys::Function = record.unchecked_ref();
    for name in ["ready", "selection-change", "purchase-initiated", "redirect", "expired", "error"] {
        el.add_event_listener_with_callback(&format!("membership-checkout:{name}"), record).unwrap();
    }
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "input[name=membership]").await.click();
    wait_for(&el, "[data-testid=continue]").await.click();
    wait_for(&el, "[data-testid=countdown]").await;
    let events = js("JSON.stringify(window.__events)").as_string().unwrap();
    let names: Vec<String> = serde_json::from_str::<Vec<(String, String)>>(&events)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name.trim_start_matches("membership-checkout:").to_string())
        .collect();
    assert_eq!(names, ["ready", "selection-change", "purchase-initiated", "redirect"], "{events}");
    assert!(events.contains(r#"\"membership\":101"#), "{events}");
    assert!(events.contains(r#"\"next_url\":\"https://studio-api.example/pay/abc\""#) && events.contains("expires_at"), "{events}");
    assert_eq!(state(&el), "redirecting", "the page stayed: the host took over");
    assert_eq!(
        wait_for(&el, "[data-testid=payment-link]").await.get_attribute("href").as_deref(),
        Some("https://studio-api.example/pay/abc")
    );
    storage().clear().unwrap();
}

#[wasm_bindgen_test]
async fn the_host_page_hears_load_errors_and_lapsed_offers() {
    storage().clear().unwrap();
    storage().set_item(OFFER_KEY, &pending(-1.0)).unwrap();
    let el = host(&UNREACHABLE);
    js("window.__heard = [];");
    let record = js("(e) => window.__heard.push(e.type + ' ' + JSON.stringify(e.detail))");
    for name in ["expired", "error"] {
        el.add_event_listener_with_callback(&format!("membership-checkout:{name}"), record.unchecked_ref()).unwrap();
    }
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=lapsed]").await;
    sleep(50).await;
    let heard = js("window.__heard.join('\\n')").as_string().unwrap();
    assert!(heard.contains("membership-checkout:expired {}"), "{heard}");
    wait_for(&el, "[data-testid=start-again]").await.click();
    wait_for(&el, "[data-testid=load-error]").await;
    sleep(50).await;
    let heard = js("window.__heard.join('\\n')").as_string().unwrap();
    assert!(heard.contains(r#"membership-checkout:error {"message":"We couldn't reach the booking system"#) && heard.contains(r#""stage":"load""#), "{heard}");
    storage().clear().unwrap();
}

#[wasm_bindgen_test]
async fn a_host_can_force_the_dark_theme() {
    let background = |el: &HtmlElement| {
        let root = inside(&el).query_selector(".mc").unwrap().unwrap();
        web_sys::window().unwrap().get_computed_style(&root).unwrap().unwrap().get_property_value("background-color").unwrap()
    };
    let light = host(&[("data-backend", "uelz")]);
    let dark = host(&[("data-backend", "uelz"), ("data-theme", "dark")]);
    let _a = membership_checkout::mount(light.clone());
    let _b = membership_checkout::mount(dark.clone());
    wait_for(&light, ".mc").await;
    wait_for(&dark, ".mc").await;
    assert_eq!(background(&light), "rgb(255, 255, 255)", "light unless the visitor or the host asks for dark");
    assert_eq!(background(&dark), "rgb(23, 28, 32)");
}

/// Resolves a JS promise expression.
async fn js_await(expr: &str) -> wasm_bindgen::JsValue {
    JsFuture::from(js(expr).dyn_into::<js_sys::Promise>().unwrap()).await.unwrap()
}

#[wasm_bindgen_test]
async fn host_page_styles_cannot_reach_inside_but_custom_properties_can() {
    // A hostile theme: rules that would wreck a widget styled by class names in the page.
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(
        "html { font-size: 10px } div, p, button { display: inline !important; color: red !important; \
         font-size: 40px !important; letter-spacing: 9px } .mc { display: none !important } \
         body { line-height: 5; text-transform: uppercase }",
    ));
    document().head().unwrap().append_child(&style).unwrap();
    let el = host(&[("data-backend", "uelz")]);
    el.style().set_property("--mc-surface", "rgb(1, 2, 3)").unwrap();
    let _widget = membership_checkout::mount(el.clone());
    let root = wait_for(&el, ".mc").await;
    let computed = web_sys::window().unwrap().get_computed_style(&root).unwrap().unwrap();
    let get = |name: &str| computed.get_property_value(name).unwrap();
    assert_eq!(get("display"), "block");
    assert_eq!(get("font-size"), "16px", "px, not the page's rem");
    assert_eq!(get("letter-spacing"), "normal");
    assert_eq!(get("text-transform"), "none");
    assert_eq!(get("line-height"), "23.2px");
    assert_eq!(get("background-color"), "rgb(1, 2, 3)", "the page's custom property on the element wins");
    assert_ne!(get("color"), "rgb(255, 0, 0)");
    style.remove();
}

#[wasm_bindgen_test]
async fn the_custom_element_mounts_remounts_on_attribute_changes_and_unmounts_when_removed() {
    membership_checkout::host::connect_elements();
    let el: HtmlElement = document().create_element("membership-checkout").unwrap().unchecked_into();
    for (k, v) in [("api-base", "http://127.0.0.1:9/api/v2"), ("provider-id", "100"), ("token", "secret-5c1")] {
        el.set_attribute(k, v).unwrap();
    }
    document().body().unwrap().append_child(&el).unwrap();
    wait_for(&el, "[data-testid=load-error]").await;
    assert!(el.get_attribute("token").is_none(), "the token is taken off the element");
    assert!(el.has_attribute("data-membership-checkout-mounted"));

    // A settings change restarts it with the new settings; the token is kept in memory.
    el.set_attribute("provider-id", "not-a-number").unwrap();
    let notice = wait_for(&el, "[data-testid=config-error]").await;
    let text = notice.text_content().unwrap();
    assert!(text.contains("provider-id") && !text.contains("data-provider-id"), "named as written: {text}");
    assert!(!text.contains("token"), "the token survived the remount: {text}");

    el.remove();
    sleep(20).await;
    assert!(!el.has_attribute("data-membership-checkout-mounted"), "removing the element unmounts it");
    assert!(inside(&el).query_selector("[data-testid=checkout]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_js_api_mounts_updates_and_unmounts_with_settings_kept_out_of_the_dom() {
    membership_checkout::host::connect_elements();
    let el: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    el.set_id("api-host");
    document().body().unwrap().append_child(&el).unwrap();
    js_await("MembershipCheckout.mount('#api-host', { backend: 'uelz', gatewayUrl: 'http://127.0.0.1:9/v1', timeout: 2 })").await;
    wait_for(&el, "[data-testid=load-error]").await;
    assert_eq!(el.get_attribute("data-backend"), None, "settings stay out of the DOM");
    assert_eq!(js("MembershipCheckout.version").as_string().as_deref(), Some(env!("CARGO_PKG_VERSION")));

    js_await("MembershipCheckout.update('#api-host', { customerId: 'bad id with spaces' })").await;
    let text = wait_for(&el, "[data-testid=config-error]").await.text_content().unwrap();
    assert!(text.contains("customer-id") && !text.contains("gateway-url"), "merged with the earlier settings: {text}");

    let was_mounted = js_await("MembershipCheckout.unmount(document.getElementById('api-host'))").await;
    assert_eq!(was_mounted.as_bool(), Some(true));
    assert!(inside(&el).query_selector("[data-testid=checkout]").unwrap().is_none());
    let missing = JsFuture::from(js("MembershipCheckout.mount('#nothing-here')").dyn_into::<js_sys::Promise>().unwrap()).await;
    assert!(format!("{:?}", missing.unwrap_err()).contains("nothing matches #nothing-here"));
    el.remove();
}

#[wasm_bindgen_test]
async fn the_browsers_sha256_gives_the_rfc_7636_challenge() {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let digest = membership_checkout::ui::browser::sha256(verifier.as_bytes()).await.expect("crypto.subtle");
    assert_eq!(membership_checkout::auth::challenge(&digest), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[wasm_bindgen_test]
async fn a_sign_in_answer_with_another_state_is_not_exchanged_and_left_for_its_owner() {
    storage().clear().unwrap();
    let window = web_sys::window().unwrap();
    let original = window.location().href().unwrap();
    let started = membership_checkout::auth::SignInRequest::new(&[1; 32], &[2; 16], "http://x/".into(), js_sys::Date::now());
    storage().set_item(SIGN_IN_KEY, &serde_json::to_string(&started).unwrap()).unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("?keep=1&code=stolen&state=forged")).unwrap();
    let _fetch = FakeFetch::install(&recording(""));

    let el = host(&[("data-api-base", "http://127.0.0.1:9/api/v2"), ("data-provider-id", "100"), ("data-client-id", "demo")]);
    let _widget = membership_checkout::mount(el.clone());
    let notice = wait_for(&el, "[data-testid=sign-in-notice]").await.text_content().unwrap();
    assert!(notice.contains("didn't match"), "{notice}");
    sleep(100).await;
    assert_eq!(window.location().search().unwrap(), "?keep=1&code=stolen&state=forged", "not this widget's: left in the address");
    assert!(storage().get_item(SIGN_IN_KEY).unwrap().is_some(), "the sign-in this widget started stays open");
    assert_eq!(storage().get_item(TOKENS_KEY).unwrap(), None, "nothing was exchanged");
    assert_eq!(requests_to("/auth/oauth/token"), 0, "the code was never sent anywhere");
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&original)).unwrap();
    storage().clear().unwrap();
    el.remove();
}

#[wasm_bindgen_test]
fn plural_rules_agree_with_the_browsers_intl_plural_rules() {
    use membership_checkout::i18n::Lang;
    for lang in Lang::ALL {
        let rules = js_sys::Intl::PluralRules::new(&js_sys::Array::of1(&lang.code().into()), &js_sys::Object::new());
        for n in (0..=250u64).chain([1000, 1_000_000, 2_000_000, 1_000_001]) {
            let browser = rules.select(n as f64).as_string().unwrap();
            assert_eq!(lang.plural(n), browser, "{} {n}", lang.code());
        }
    }
}

#[wasm_bindgen_test]
fn money_numbers_and_dates_go_through_intl_for_the_locale() {
    use membership_checkout::i18n::{intl, Lang, Tr};
    assert_eq!(Tr::english().money(90.0, "gbp").as_deref(), Some("£90.00"));
    let german = Tr::negotiate(Some("de-DE"), &[]).money(90.0, "GBP").unwrap();
    assert!(german.starts_with("90,00") && german.contains('£'), "{german}");
    assert_eq!(Tr::english().money(1.0, "NOPE"), None, "an unknown currency is refused, not a trap");
    // Arabic "few" (3–10), with the number in the locale's digits.
    let arabic = Tr::of(Lang::Ar).n("booking.places_left", 3, &[]);
    assert!(arabic.contains("أماكن") && (arabic.contains('3') || arabic.contains('٣')), "{arabic}");
    let egyptian = Tr::negotiate(Some("ar-EG"), &[]).n("booking.places_left", 3, &[]);
    assert!(egyptian.contains('٣'), "Arabic-Indic digits for ar-EG: {egyptian}");
    // 18:00 UTC on a winter Monday: in London it is 18:00 GMT, in New York 13:00 EST.
    let ms = 1_795_456_800_000.0; // 2026-11-23T18:00:00Z
    let london = intl::date_time(ms, "en-GB", Some("Europe/London"));
    assert!(london.contains("18:00") && london.contains("GMT"), "{london}");
    let new_york = intl::date_time(ms, "en-US", Some("America/New_York"));
    assert!(new_york.contains("01:00") && new_york.contains("EST"), "{new_york}");
    let unknown = intl::date_time(ms, "en-GB", Some("Mars/Olympus_Mons"));
    assert!(!unknown.is_empty() && !unknown.contains("Mars"), "an unknown zone falls back to the customer's clock: {unknown}");
    assert_eq!(intl::calendar_date("2026-11-30", 1, "en-GB"), "Tue, 1 Dec 2026");
    assert!(intl::local_zone().is_some_and(|z| !z.is_empty()));
    // UTC offsets, which put classes on their days without asking Intl for each one.
    let july = 1_782_907_200_000.0; // 2026-07-01T12:00:00Z
    assert_eq!(intl::utc_offset_ms(ms, Some("Europe/London")), Some(0.0));
    assert_eq!(intl::utc_offset_ms(july, Some("Europe/London")), Some(3_600_000.0), "British Summer Time");
    assert_eq!(intl::utc_offset_ms(ms, Some("America/New_York")), Some(-18_000_000.0));
    assert_eq!(intl::utc_offset_ms(ms, Some("Asia/Kolkata")), Some(19_800_000.0));
    assert_eq!(intl::utc_offset_ms(ms, Some("Mars/Olympus_Mons")), None, "an unknown zone has no offset");
}

/// In wasm the browser's `Number` writes and reads plain numbers (src/num.rs), not Rust's float code.
#[wasm_bindgen_test]
fn plain_numbers_and_fallback_labels_go_through_the_browsers_number() {
    use membership_checkout::i18n::Tr;
    use membership_checkout::model::{teamup::Money, uelz::Price};
    use membership_checkout::num;
    assert_eq!(num::plain(3.0), "3");
    assert_eq!(num::plain(53.1), "53.1");
    assert_eq!(num::plain(1_765_080_000_000.0), "1765080000000");
    assert_eq!(num::two_decimals(53.1), "53.10");
    assert_eq!(num::two_decimals(1.005), "1.00", "the nearest f64 is below the tie");
    assert_eq!(num::two_decimals(0.125), "0.13", "a true tie rounds half up, as Intl does");
    assert_eq!(num::two_decimals(-4.0), "-4.00");
    for (text, value) in [("45.00", 45.0), (" 45 ", 45.0), ("-1.5", -1.5), ("+2", 2.0), (".5", 0.5), ("5.", 5.0), ("1E-2", 0.01), ("1.e5", 100_000.0), ("0.1", 0.1)] {
        assert_eq!(num::parse_decimal(text), Some(value), "{text}");
    }
    for text in ["", ".", "e5", "1e", "1,5", "0x10", "1_000", "inf", "NaN", "Infinity", "1e999", "12abc", "£45"] {
        assert_eq!(num::parse_decimal(text), None, "{text}");
    }
    // Whole numbers in the locale's digits; plain digits are only the fallback where Intl fails.
    assert_eq!(Tr::english().number(1234.0), "1,234");
    // A money object whose currency Intl refuses and that has no vendor label: the figures.
    let money: Money = serde_json::from_str(r#"{"decimal": "53.1", "iso_currency_code": "nope"}"#).unwrap();
    assert_eq!(money.decimal, Some(53.1), "a decimal sent as text is read");
    assert_eq!(money.label(Tr::english()), "53.10 NOPE");
    let bare: Money = serde_json::from_str(r#"{"decimal": 7}"#).unwrap();
    assert_eq!(bare.label(Tr::english()), "7.00");
    let gbp: Money = serde_json::from_str(r#"{"decimal": "45.5", "iso_currency_code": "GBP"}"#).unwrap();
    assert_eq!(gbp.label(Tr::english()), "£45.50");
    // Uelz amounts are decimal strings.
    let price = |amount: &str, currency: &str| Price { amount: amount.into(), currency: currency.into() };
    assert_eq!(price("59.00", "EUR").label(Tr::english()), "€59.00");
    assert!(price("0.00", "EUR").is_zero() && !price("0.01", "EUR").is_zero());
    assert_eq!(price("abc", "EUR").label(Tr::english()), "abc EUR");
}

#[wasm_bindgen_test]
async fn the_locale_setting_chooses_the_language_and_direction() {
    let el = host(&[UNREACHABLE[0], UNREACHABLE[1], UNREACHABLE[2], ("data-locale", "de-AT")]);
    let _widget = membership_checkout::mount(el.clone());
    let error = wait_for(&el, "[data-testid=load-error]").await;
    let root: HtmlElement = inside(&el).query_selector("[data-testid=checkout]").unwrap().unwrap().unchecked_into();
    assert_eq!((root.get_attribute("lang").as_deref(), root.get_attribute("dir").as_deref()), (Some("de-AT"), Some("ltr")));
    let text = error.text_content().unwrap();
    assert!(text.contains("Erneut versuchen") && !text.contains("Try again"), "German text: {text}");
    el.remove();

    let el = host(&[UNREACHABLE[0], UNREACHABLE[1], UNREACHABLE[2], ("data-locale", "ar")]);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=load-error]").await;
    let root: HtmlElement = inside(&el).query_selector("[data-testid=checkout]").unwrap().unwrap().unchecked_into();
    assert_eq!(root.get_attribute("dir").as_deref(), Some("rtl"));
    let direction = web_sys::window().unwrap().get_computed_style(&root).unwrap().unwrap().get_property_value("direction").unwrap();
    assert_eq!(direction, "rtl");
    el.remove();

    // No setting: the browser's languages (headless Chromium: English).
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=load-error]").await;
    let root: HtmlElement = inside(&el).query_selector("[data-testid=checkout]").unwrap().unwrap().unchecked_into();
    assert_eq!(root.get_attribute("dir").as_deref(), Some("ltr"));
    assert!(root.text_content().unwrap().contains("Try again"));
    el.remove();
}

/// A studio with 45 memberships (the 25th and 30th recurring: their plan requests are listed in
/// `window.__plansFor`) and, for the first, 60 classes over two days.
const BIG_STUDIO: &str = r#"async (url) => {
    const page = results => new Response(JSON.stringify({ count: results.length, next: null, previous: null, results }),
        { status: 200, headers: { 'Content-Type': 'application/json' } });
    if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
    if (url.includes('permits_registration_for_event')) return page([{ id: 101 }]);
    if (url.includes('/membership_payment_plans')) {
        window.__plansFor.push(new URL(url).searchParams.get('membership'));
        return page([]);
    }
    if (url.includes('/memberships')) return page(Array.from({ length: 45 }, (_, i) => ({ id: 101 + i,
        type: i === 24 || i === 29 ? 'recurring_plan' : 'pack', name: `Pack ${i + 1}`, for_sale: true, visible_to_customers: true })));
    if (url.includes('/events')) return page(Array.from({ length: 60 }, (_, i) => {
        const day = i < 30 ? '2099-01-05' : '2099-01-07';
        const minutes = 12 * 60 + (i % 30) * 10;
        const at = `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00Z`;
        return { id: 5001 + i, name: `Class ${i + 1}`, starts_at: at, status: 'active', offering_type: { id: 1, name: 'Yoga' } };
    }));
    return page([]);
}"#;

fn count(host: &HtmlElement, selector: &str) -> u32 {
    inside(host).query_selector_all(selector).unwrap().length()
}

async fn change(select: &HtmlElement, value: &str) {
    let select: web_sys::HtmlSelectElement = select.clone().unchecked_into();
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    select.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap()).unwrap();
    sleep(100).await;
}

#[wasm_bindgen_test]
async fn a_long_catalogue_shows_a_page_at_a_time_and_many_classes_are_picked_by_day() {
    storage().clear().unwrap();
    js("window.__plansFor = [];");
    let _fetch = FakeFetch::install(BIG_STUDIO);
    let el = host(&UNREACHABLE);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "input[name=membership]").await;
    assert_eq!(count(&el, "input[name=membership]"), 20, "the first page");
    let note = wait_for(&el, "[data-testid=shown-count]").await;
    assert_eq!(note.text_content().unwrap(), "Showing 20 of 45.");
    sleep(100).await;
    assert_eq!(js("window.__plansFor.join()").as_string().as_deref(), Some(""), "no recurring membership on the first page");

    wait_for(&el, "[data-testid=show-more]").await.click();
    sleep(100).await;
    assert_eq!(count(&el, "input[name=membership]"), 40);
    assert_eq!(js("window.__plansFor.join()").as_string().as_deref(), Some("125,130"), "the page shown asks for its recurring memberships' plans");
    let focused = inside(&el).active_element().expect("a card has the focus");
    assert_eq!(focused.get_attribute("value").as_deref(), Some("121"), "the first card added takes the focus");
    assert_eq!(note.text_content().unwrap(), "Showing 40 of 45.");
    wait_for(&el, "[data-testid=show-more]").await.click();
    sleep(100).await;
    assert_eq!(count(&el, "input[name=membership]"), 45);
    assert_eq!(count(&el, "[data-testid=show-more]"), 0, "nothing more to show");

    wait_for(&el, "input[name=membership][value='101']").await.click();
    let days = wait_for(&el, "[data-testid=day-select]").await;
    let day_label = inside(&el).query_selector(&format!("label[for='{}']", days.id())).unwrap().expect("the day select has a label");
    assert_eq!(day_label.text_content().unwrap(), "Day");
    assert_eq!(count(&el, "[data-testid=day-select] option"), 2, "two days with classes");
    assert_eq!(count(&el, "[data-testid=event-select] option"), 31, "the first day's 30 classes and 'No class'");
    assert_eq!(count(&el, "[data-testid=event-select] option[value='5031']"), 0, "the second day's are not listed yet");

    change(&wait_for(&el, "[data-testid=event-select]").await, "5002").await;
    let summary = || inside(&el).query_selector("[data-testid=summary]").unwrap().unwrap().text_content().unwrap();
    assert!(summary().contains("Class 2"), "the class is in the summary: {}", summary());

    change(&days, "1").await;
    assert_eq!(count(&el, "[data-testid=event-select] option"), 31);
    assert_eq!(count(&el, "[data-testid=event-select] option[value='5031']"), 1, "the second day's classes");
    assert!(!summary().contains("Class 2"), "another day starts with no class chosen: {}", summary());
    el.remove();
}

/// One recurring membership whose plans answer fails the first `fail` times; plan requests are counted.
fn recurring_studio(fail: u32) -> String {
    format!(
        r#"async (url) => {{
            const page = results => new Response(JSON.stringify({{ count: results.length, next: null, previous: null, results }}),
                {{ status: 200, headers: {{ 'Content-Type': 'application/json' }} }});
            if (url.includes('/auth/profiles')) return page([{{ id: 4242, profile_type: 'customer', provider: 100 }}]);
            if (url.includes('/membership_payment_plans')) {{
                window.__plansAsked = (window.__plansAsked || 0) + 1;
                if (window.__plansAsked <= {fail}) return new Response('{{"detail":"Bad request"}}', {{ status: 400, headers: {{ 'Content-Type': 'application/json' }} }});
                return page([{{ id: 2011, status: 'for_sale', price: {{ decimal: '50.00', string: '£50.00', iso_currency_code: 'gbp' }},
                    billing_period_length: 1, billing_period_unit: 'months' }}]);
            }}
            if (url.includes('/memberships')) return page([{{ id: 201, type: 'recurring_plan', name: 'Unlimited', for_sale: true, visible_to_customers: true }}]);
            return page([]);
        }}"#
    )
}

/// A mounted widget on [`recurring_studio`], with the count of plan requests at zero.
fn open_recurring_studio(fail: u32) -> (FakeFetch, HtmlElement, membership_checkout::host::Handle) {
    storage().clear().unwrap();
    js("window.__plansAsked = 0;");
    let fetch = FakeFetch::install(&recurring_studio(fail));
    let el = host(&UNREACHABLE);
    let widget = membership_checkout::mount(el.clone());
    (fetch, el, widget)
}

fn pointer_enter(el: &HtmlElement) {
    el.dispatch_event(&web_sys::Event::new("pointerenter").unwrap()).unwrap();
}

/// Opens the recurring studio (its first `fail` plan answers fail) and checks how often the plans
/// were asked for: once the card is painted, after pointing at it `points` times, and once it is
/// chosen (`asked`: the count at each step and why).
async fn plans_asked(fail: u32, points: usize, asked: [(f64, &str); 3]) {
    let (_fetch, el, _widget) = open_recurring_studio(fail);
    let card = wait_for(&el, "[data-testid=membership-201]").await;
    sleep(100).await;
    assert_eq!(js("window.__plansAsked").as_f64(), Some(asked[0].0), "{}", asked[0].1);
    for _ in 0..points {
        pointer_enter(&card);
    }
    sleep(100).await;
    assert_eq!(js("window.__plansAsked").as_f64(), Some(asked[1].0), "{}", asked[1].1);
    wait_for(&el, "input[name=membership][value='201']").await.click();
    wait_for(&el, "[data-testid=plans] input[value='2011']").await;
    assert_eq!(js("window.__plansAsked").as_f64(), Some(asked[2].0), "{}", asked[2].1);
    el.remove();
}

#[wasm_bindgen_test]
async fn a_recurring_membership_on_the_page_has_its_plans_asked_for_once_before_it_is_chosen() {
    plans_asked(0, 2, [(1.0, "asked once the card is shown"), (1.0, "pointing asks nothing more"), (1.0, "choosing uses the answer already here")]).await;
}

#[wasm_bindgen_test]
async fn a_failed_early_look_at_the_plans_is_asked_again_when_the_customer_shows_interest() {
    plans_asked(1, 1, [(1.0, "the look after painting failed"), (2.0, "the failure was not kept"), (2.0, "choosing uses the second answer")]).await;
}

// ---- Security (docs/security.md): where credentials may go, and what an answer can't make us do ----

/// A fake `fetch` that records every request in `window.__requests` (`{url, method, auth, mode,
/// body}`) and answers with `routes`: JS statements that may `return` a Response, with `url`,
/// `method`, `body`, `json(value, status)` and `page(results, next)` in scope. Anything else gets
/// an empty page.
fn recording(routes: &str) -> String {
    format!(
        r#"async (input, init = {{}}) => {{
            const url = String(input), method = init.method || 'GET', h = new Headers(init.headers || {{}});
            const body = init.body || '';
            window.__requests = window.__requests || [];
            window.__requests.push({{ url, method, auth: h.get('Authorization'), mode: h.get('Teamup-Request-Mode'), body }});
            const json = (value, status = 200) => new Response(JSON.stringify(value), {{ status, headers: {{ 'Content-Type': 'application/json' }} }});
            const page = (results, next = null) => json({{ count: results.length, next, previous: null, results }});
            {routes}
            return page([]);
        }}"#
    )
}

/// What the fake fetch has seen since the last `window.__requests = []`.
fn requests() -> Vec<serde_json::Value> {
    serde_json::from_str(&js("JSON.stringify(window.__requests || [])").as_string().unwrap()).unwrap()
}

fn requests_to(part: &str) -> usize {
    requests().iter().filter(|r| r["url"].as_str().unwrap_or("").contains(part)).count()
}

/// Records the `error` events of `el` in `window.__errors` (their details as JSON).
fn record_errors(el: &HtmlElement) {
    js("window.__errors = [];");
    let record = js("(e) => window.__errors.push(JSON.stringify(e.detail))");
    el.add_event_listener_with_callback("membership-checkout:error", record.unchecked_ref()).unwrap();
}

fn errors_heard() -> String {
    js("window.__errors.join('\\n')").as_string().unwrap_or_default()
}

const STUDIO_API: [(&str, &str); 3] =
    [("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-token", "t")];
const WONT_FOLLOW: &str = "answered with a link we won't follow";

#[wasm_bindgen_test]
async fn a_next_link_to_another_origin_is_never_requested_and_the_widget_recovers() {
    for foreign in [
        "https://evil.example/api/v2/memberships?page=2",
        "//evil.example/api/v2/memberships?page=2",
        "http://studio-api.example/api/v2/memberships?page=2",
        "https://studio-api.example:8443/api/v2/memberships?page=2",
        "https://studio-api.example@evil.example/api/v2/memberships?page=2",
        "javascript:alert(1)",
    ] {
        storage().clear().unwrap();
        js(&format!("window.__requests = []; window.__foreignNext = {};", serde_json::to_string(foreign).unwrap()));
        let _fetch = FakeFetch::install(&recording(
            r#"if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
               if (url.includes('/memberships')) return page([{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true,
                   visible_to_customers: true }], window.__foreignNext);"#,
        ));
        let el = host(&STUDIO_API);
        record_errors(&el);
        let _widget = membership_checkout::mount(el.clone());
        let error = wait_for(&el, "[data-testid=load-error]").await.text_content().unwrap();
        assert!(error.contains(WONT_FOLLOW), "{foreign}: {error}");
        let seen = requests();
        assert!(seen.iter().all(|r| r["url"].as_str().unwrap().starts_with("https://studio-api.example/")), "{foreign}: {seen:?}");
        assert_eq!(requests_to("studio-api.example/api/v2/memberships"), 1, "{foreign}: the link was not requested, not even without the token");
        let heard = errors_heard();
        assert!(heard.contains(WONT_FOLLOW) && heard.contains(r#""stage":"load""#), "{foreign}: the host hears it: {heard}");

        // Still usable: once the server answers properly, "Try again" loads the catalogue.
        js("window.__foreignNext = null;");
        wait_for(&el, "[data-testid=reload]").await.click();
        wait_for(&el, "[data-testid=membership-101]").await;
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn relative_and_same_origin_links_are_followed_with_the_token() {
    storage().clear().unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
           if (url.includes('/memberships')) {
               const n = Number(new URL(url).searchParams.get('page') || 1);
               const next = { 1: '?for_sale=true&page=2', 2: '/api/v2/memberships?page=3', 3: 'memberships?page=4',
                              4: 'https://STUDIO-API.example:443/api/v2/memberships?page=5' }[n] || null;
               return page([{ id: 100 + n, type: 'pack', name: `Pack ${n}`, for_sale: true, visible_to_customers: true }], next);
           }"#,
    ));
    let el = host(&STUDIO_API);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=membership-105]").await;
    assert_eq!(count(&el, "input[name=membership]"), 5, "every page was read");
    let pages: Vec<String> = requests().iter().filter(|r| r["url"].as_str().unwrap().contains("/memberships")).map(|r| {
        assert_eq!(r["auth"], "Bearer t", "{r}");
        r["url"].as_str().unwrap().to_string()
    }).collect();
    assert_eq!(pages[1..], [
        "https://studio-api.example/api/v2/memberships?for_sale=true&page=2",
        "https://studio-api.example/api/v2/memberships?page=3",
        "https://studio-api.example/api/v2/memberships?page=4",
        "https://STUDIO-API.example:443/api/v2/memberships?page=5",
    ]);
    el.remove();
}

#[wasm_bindgen_test]
async fn a_plans_link_to_another_origin_fails_only_its_section() {
    storage().clear().unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/initiate_purchase')) return json({ next_url: 'https://studio-api.example/pay/abc',
               expires_at: new Date(Date.now() + 600000).toISOString() });
           if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
           if (url.includes('/memberships')) return page([
               { id: 201, type: 'recurring_plan', name: 'Unlimited', for_sale: true, visible_to_customers: true,
                 plans: 'https://evil.example/api/v2/membership_payment_plans?membership=201' },
               { id: 101, type: 'pack', name: 'Ten classes', for_sale: true, visible_to_customers: true }]);"#,
    ));
    let el = host(&STUDIO_API);
    record_errors(&el);
    js("window.__redirects = 0;");
    let keep_page = js("(e) => { window.__redirects++; e.preventDefault(); }");
    el.add_event_listener_with_callback("membership-checkout:redirect", keep_page.unchecked_ref()).unwrap();
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "input[name=membership][value='201']").await.click();
    let plans = wait_for(&el, "[data-testid=plans] .mc-notice--error").await.text_content().unwrap();
    assert!(plans.contains("couldn't load the payment plans") && plans.contains(WONT_FOLLOW), "{plans}");
    assert_eq!(requests_to("evil.example"), 0, "{:?}", requests());
    assert!(errors_heard().contains(WONT_FOLLOW), "{}", errors_heard());
    // The rest of the widget works: another membership is bought.
    wait_for(&el, "input[name=membership][value='101']").await.click();
    wait_for(&el, "[data-testid=continue]").await.click();
    wait_for(&el, "[data-testid=countdown]").await;
    assert_eq!(js("window.__redirects").as_f64(), Some(1.0));
    assert_eq!(requests_to("evil.example"), 0);
    storage().clear().unwrap();
    el.remove();
}

#[wasm_bindgen_test]
async fn endless_and_looping_next_chains_end_with_a_message() {
    use membership_checkout::backend::teamup::MAX_PAGES;
    for (chain, asked) in [("loop", 1), ("endless", MAX_PAGES)] {
        storage().clear().unwrap();
        js(&format!("window.__requests = []; window.__chain = '{chain}';"));
        let _fetch = FakeFetch::install(&recording(
            r#"if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
               if (url.includes('/memberships')) {
                   const n = Number(new URL(url).searchParams.get('page') || 1);
                   return page([], window.__chain === 'loop' ? url : `https://studio-api.example/api/v2/memberships?page=${n + 1}`);
               }"#,
        ));
        let el = host(&STUDIO_API);
        let _widget = membership_checkout::mount(el.clone());
        let error = wait_for(&el, "[data-testid=load-error]").await.text_content().unwrap();
        assert!(error.contains("couldn't read"), "{chain}: {error}");
        assert_eq!(requests_to("studio-api.example/api/v2/memberships"), asked, "{chain}: a hard limit on pages: {:?}", requests());
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn permission_lookups_have_a_hard_limit() {
    use membership_checkout::backend::teamup::MAX_PERMISSION_LOOKUPS;
    storage().clear().unwrap();
    js(&format!("window.__requests = []; window.__kinds = {};", MAX_PERMISSION_LOOKUPS + 1));
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
           if (url.includes('permits_registration_for_event')) return page([{ id: 101 }]);
           if (url.includes('/memberships')) return page([{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true, visible_to_customers: true }]);
           if (url.includes('/events')) return page(Array.from({ length: window.__kinds }, (_, i) => ({ id: 5001 + i,
               name: `Class ${i}`, starts_at: '2099-01-05T12:00:00Z', status: 'active', offering_type: { id: 1 + i, name: `Kind ${i}` } })));"#,
    ));
    let el = host(&STUDIO_API);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "input[name=membership][value='101']").await.click();
    let booking = wait_for(&el, "[data-testid=booking]").await;
    for _ in 0..50 {
        if booking.text_content().unwrap().contains("Classes couldn't be loaded") {
            break;
        }
        sleep(50).await;
    }
    assert!(booking.text_content().unwrap().contains("Classes couldn't be loaded"), "{}", booking.text_content().unwrap());
    assert_eq!(requests_to("permits_registration_for_event"), 0, "not one lookup past the limit");
    el.remove();
}

/// A signed-in customer's tokens as a sign-in widget keeps them.
fn stored_tokens(access: &str, expires_in_ms: f64) -> String {
    let now = js_sys::Date::now();
    serde_json::json!({ "access": access, "refresh": "refresh-1", "expires_at_ms": now + expires_in_ms, "lifetime_ms": 3_600_000.0 }).to_string()
}

fn key_for(api_origin: &str, client: &str, kind: &str) -> String {
    format!("{}:{kind}", membership_checkout::auth::storage_prefix(api_origin, Some(client), 100))
}

#[wasm_bindgen_test]
async fn another_api_or_client_on_the_page_sees_no_token() {
    storage().clear().unwrap();
    storage().set_item(&key_for("https://studio-api.example", "app", "tokens"), &stored_tokens("token-of-a", 3_600_000.0)).unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/memberships')) return page([{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true, visible_to_customers: true }]);"#,
    ));
    let others = [
        [("data-api-base", "https://other-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")],
        [("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "other-app")],
        [("data-api-base", "https://studio-api.example:8443/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")],
    ];
    for attrs in others {
        let el = host(&attrs);
        let _widget = membership_checkout::mount(el.clone());
        wait_for(&el, "[data-testid=sign-in-hint]").await;
        wait_for(&el, "[data-testid=membership-101]").await;
        el.remove();
    }
    assert!(requests().iter().all(|r| r["auth"].is_null()), "no request of theirs carried a token: {:?}", requests());

    // The widget the tokens belong to does use them.
    let el = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=signed-in]").await;
    sleep(100).await;
    assert!(requests().iter().any(|r| r["auth"] == "Bearer token-of-a"), "{:?}", requests());
    assert!(requests().iter().filter(|r| !r["auth"].is_null()).all(|r| r["url"].as_str().unwrap().starts_with("https://studio-api.example/")));
    storage().clear().unwrap();
    el.remove();
}

fn started_sign_in(state: &str) -> String {
    let mut request = membership_checkout::auth::SignInRequest::new(&[1; 32], &[2; 16], "http://127.0.0.1/".into(), js_sys::Date::now());
    request.state = state.into();
    serde_json::to_string(&request).unwrap()
}

#[wasm_bindgen_test]
async fn a_code_is_exchanged_only_by_the_widget_whose_sign_in_it_is() {
    storage().clear().unwrap();
    let window = web_sys::window().unwrap();
    let original = window.location().href().unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/auth/oauth/token')) return json({ access_token: 'fresh-a', refresh_token: 'r', expires_in: 3600 });
           if (url.includes('/memberships')) return page([{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true, visible_to_customers: true }]);"#,
    ));
    // Widget A (studio-api, app) started a sign-in; widget B (other-api, same client and provider) one of its own.
    storage().set_item(&key_for("https://studio-api.example", "app", "sign-in"), &started_sign_in("state-a")).unwrap();
    storage().set_item(&key_for("https://other-api.example", "app", "sign-in"), &started_sign_in("state-b")).unwrap();
    let back = "?keep=1&code=code-for-a&state=state-a&iss=https%3A%2F%2Fstudio-api.example";
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(back)).unwrap();

    let b = host(&[("data-api-base", "https://other-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
    let _b = membership_checkout::mount(b.clone());
    wait_for(&b, "[data-testid=sign-in-notice]").await;
    sleep(100).await;
    assert_eq!(window.location().search().unwrap(), back, "B leaves A's code where it is");
    assert_eq!(requests_to("/auth/oauth/token"), 0, "B never sends A's code anywhere");
    let c = host(&[("data-api-base", "https://third-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
    let _c = membership_checkout::mount(c.clone());
    wait_for(&c, "[data-testid=sign-in-hint]").await;
    assert!(inside(&c).query_selector("[data-testid=sign-in-notice]").unwrap().is_none(), "C started nothing: it says nothing");

    let a = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
    let _a = membership_checkout::mount(a.clone());
    wait_for(&a, "[data-testid=signed-in]").await;
    let exchanges: Vec<_> = requests().into_iter().filter(|r| r["url"].as_str().unwrap().contains("/auth/oauth/token")).collect();
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    assert_eq!(exchanges[0]["url"], "https://studio-api.example/api/v2/auth/oauth/token");
    assert!(exchanges[0]["body"].as_str().unwrap().contains("code=code-for-a"));
    assert_eq!(window.location().search().unwrap(), "?keep=1", "A took its code out of the address");
    assert!(storage().get_item(&key_for("https://studio-api.example", "app", "tokens")).unwrap().unwrap().contains("fresh-a"));
    assert!(storage().get_item(&key_for("https://other-api.example", "app", "tokens")).unwrap().is_none());
    assert!(storage().get_item(&key_for("https://other-api.example", "app", "sign-in")).unwrap().is_some(), "B's own sign-in is untouched");
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&original)).unwrap();
    storage().clear().unwrap();
    for el in [a, b, c] {
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn a_code_from_another_issuer_is_refused() {
    storage().clear().unwrap();
    let window = web_sys::window().unwrap();
    let original = window.location().href().unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/auth/oauth/token')) return json({ access_token: 'fresh-a', refresh_token: 'r', expires_in: 3600 });"#,
    ));
    storage().set_item(&key_for("https://studio-api.example", "app", "sign-in"), &started_sign_in("state-a")).unwrap();
    let back = "?code=code-from-elsewhere&state=state-a&iss=https%3A%2F%2Fevil.example";
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(back)).unwrap();
    let a = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
    record_errors(&a);
    let _a = membership_checkout::mount(a.clone());
    let notice = wait_for(&a, "[data-testid=sign-in-notice]").await.text_content().unwrap();
    assert!(notice.contains("another server"), "{notice}");
    assert!(errors_heard().contains(r#""stage":"sign-in""#) && errors_heard().contains("another server"), "{}", errors_heard());
    assert_eq!(requests_to("/auth/oauth/token"), 0, "a code from another issuer is never exchanged");
    assert_eq!(window.location().search().unwrap(), "", "ours, refused, and wiped");
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&original)).unwrap();
    storage().clear().unwrap();
    a.remove();
}

#[wasm_bindgen_test]
async fn a_refresh_that_fails_for_now_keeps_the_customer_signed_in_and_is_retried() {
    let tokens_key = key_for("https://studio-api.example", "app", "tokens");
    for (refusal, signed_out) in [
        ("json({ code: 'service_unavailable', message: 'Down' }, 503)", false),
        ("Promise.reject(new TypeError('Failed to fetch'))", false),
        ("json({ code: 'invalid_grant', message: 'Refresh token revoked.', field_errors: {} }, 400)", true),
    ] {
        storage().clear().unwrap();
        // The access token lapsed while the tab was asleep: the first request renews it first.
        storage().set_item(&tokens_key, &stored_tokens("stale", -1_000.0)).unwrap();
        // The refresh endpoint fails for two seconds (for ever for invalid_grant), then works.
        js(&format!("window.__requests = []; window.__failUntil = {};", if signed_out { "Infinity" } else { "Date.now() + 2000" }));
        let _fetch = FakeFetch::install(&recording(&format!(
            r#"if (url.includes('/auth/refresh_access_token')) {{
                   if (Date.now() < window.__failUntil) return {refusal};
                   return json({{ access_token: 'renewed', refresh_token: 'refresh-2', expires_in: 3600 }});
               }}
               if (url.includes('/auth/profiles')) return page([{{ id: 4242, profile_type: 'customer', provider: 100 }}]);
               if (url.includes('/memberships')) return page([{{ id: 101, type: 'pack', name: 'Ten classes', for_sale: true,
                   visible_to_customers: true }}]);"#
        )));
        let el = host(&[("data-api-base", "https://studio-api.example/api/v2"), ("data-provider-id", "100"), ("data-client-id", "app")]);
        let _widget = membership_checkout::mount(el.clone());
        wait_for(&el, "[data-testid=membership-101]").await;
        if signed_out {
            wait_for(&el, "[data-testid=sign-in-hint]").await;
            assert!(storage().get_item(&tokens_key).unwrap().is_none(), "invalid_grant signs out");
        } else {
            assert!(inside(&el).query_selector("[data-testid=signed-in]").unwrap().is_some(), "{refusal}: still signed in");
            assert!(storage().get_item(&tokens_key).unwrap().unwrap().contains("stale"), "{refusal}: the tokens are kept");
            // Tried again after a backoff, and then renewed.
            for _ in 0..60 {
                if storage().get_item(&tokens_key).unwrap().is_some_and(|t| t.contains("renewed")) {
                    break;
                }
                sleep(100).await;
            }
            assert!(storage().get_item(&tokens_key).unwrap().unwrap().contains("renewed"), "{refusal}: retried");
            wait_for(&el, "[data-testid=signed-in]").await;
        }
        el.remove();
    }
    storage().clear().unwrap();
}

#[wasm_bindgen_test]
async fn nobody_waits_for_a_renewal_past_its_deadline() {
    use membership_checkout::auth::Tokens;
    use membership_checkout::backend::session::{Renewed, Session};
    let tokens = Tokens { access: "old".into(), refresh: Some("r".into()), expires_at_ms: Some(0.0), lifetime_ms: Some(1.0) };
    let session = Session::with_tokens(Some(tokens));
    session.set_deadline_ms(300);
    // A host page whose getFreshToken never answers.
    session.set_renewal(std::rc::Rc::new(|_| Box::pin(futures::future::pending::<Renewed>())));
    let started = js_sys::Date::now();
    let (first, second) = futures::future::join(session.renew(), session.renew()).await;
    let took = js_sys::Date::now() - started;
    assert!(!first && !second, "not renewed");
    assert!(took < 2_000.0, "both gave up at the deadline, after {took} ms");
    assert_eq!(session.access().as_deref(), Some("old"), "and the customer is still signed in");
    // The next renewal is not blocked by the one given up on.
    session.set_renewal(std::rc::Rc::new(|_| {
        Box::pin(async { Renewed::Tokens(Tokens { access: "new".into(), refresh: None, expires_at_ms: None, lifetime_ms: None }) })
    }));
    assert!(session.renew().await);
    assert_eq!(session.access().as_deref(), Some("new"));
}

#[wasm_bindgen_test]
async fn an_offer_kept_in_storage_passes_the_same_redirect_check_as_a_fresh_one() {
    for next_url in ["javascript:alert(1)", "http://127.0.0.1:9999/pay/abc", "https://evil.example/pay/abc", "//127.0.0.1:9/pay"] {
        storage().clear().unwrap();
        let offer: serde_json::Value = serde_json::from_str(&pending(10.0)).unwrap();
        let mut offer = offer.as_object().unwrap().clone();
        offer.insert("next_url".into(), next_url.into());
        storage().set_item(OFFER_KEY, &serde_json::Value::Object(offer).to_string()).unwrap();
        let el = host(&UNREACHABLE);
        let _widget = membership_checkout::mount(el.clone());
        wait_for(&el, "[data-testid=load-error]").await;
        assert!(inside(&el).query_selector("[data-testid=payment-link]").unwrap().is_none(), "{next_url} is not offered");
        assert_eq!(storage().get_item(OFFER_KEY).unwrap(), None, "{next_url} is forgotten");
        el.remove();
    }
}

#[wasm_bindgen_test]
async fn the_widget_puts_no_ids_or_names_in_the_page() {
    storage().clear().unwrap();
    let named = || document().query_selector_all("[id], [name]").unwrap().length();
    let before = named();
    let _fetch = FakeFetch::install(&studio_offering("http://127.0.0.1:9/pay/abc"));
    let el = host(&UNREACHABLE);
    let keep_page = js("(e) => e.preventDefault()");
    el.add_event_listener_with_callback("membership-checkout:redirect", keep_page.unchecked_ref()).unwrap();
    let _widget = membership_checkout::mount(el.clone());
    wait_for(&el, "input[name=membership]").await.click();
    assert!(inside(&el).query_selector_all("[id]").unwrap().length() > 0, "ids live in the shadow root");
    assert_eq!(named(), before, "none in the page itself, where they would become globals (window[id])");
    wait_for(&el, "[data-testid=continue]").await.click();
    wait_for(&el, "[data-testid=countdown]").await;
    assert_eq!(named(), before, "nor later");
    storage().clear().unwrap();
    el.remove();
}

/// The `api-base` values the loader's early fetch must judge exactly as the widget's settings do.
const API_BASES: [&str; 16] = [
    "https://goteamup.com/api/v2",
    "https://goteamup.com/api/v2/",
    "HTTPS://GoTeamUp.com:443/api/v2",
    "/api/v2",
    "http://127.0.0.1:8787/api/v2",
    "http://localhost/api/v2",
    "http://goteamup.com/api/v2",
    "//goteamup.com/api/v2",
    "api/v2",
    "https://user@goteamup.com/api/v2",
    "https://goteamup.com\\@evil.example/",
    "javascript:alert(1)",
    "https://goteamup.com:99999/api",
    "https://go teamup.com/api",
    "https://%65vil.example/api",
    "ftp://goteamup.com/api",
];

#[wasm_bindgen_test]
fn the_loader_judges_api_addresses_exactly_as_the_widget_does() {
    for page in ["https://studio.example/join?x=1", "http://studio.example/join", "http://127.0.0.1:8080/"] {
        for value in API_BASES {
            let attrs = [("data-api-base", value), ("data-provider-id", "100"), ("data-token", "t")];
            let widget = membership_checkout::settings::parse(|n| attrs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()), page)
                .ok()
                .map(|s| match s.backend {
                    membership_checkout::settings::Backend::TeamUp(t) => t.api_base,
                    _ => unreachable!(),
                });
            assert_eq!(membership_checkout::host::early_api_base(value, page), widget, "{value} on {page}");
        }
    }
}

#[wasm_bindgen_test]
fn strict_origins_agree_with_the_browsers_url() {
    for url in [
        "https://goteamup.com/api/v2?x#y",
        "HTTPS://GoTeamUp.com:443/a",
        "http://127.0.0.1:8787/a",
        "http://[::1]:80/a",
        "https://a.example:0443/",
        "https://a.example.:8443/",
        "http://10.0.0.1/",
        "https://xn--goteamp-x2a.com/",
        "https://123.example/",
    ] {
        let ours = membership_checkout::url::origin(url).expect(url);
        let browsers = web_sys::Url::new(url).unwrap().origin();
        assert_eq!(ours, browsers, "{url}");
    }
}

/// Like [`UNREACHABLE`], on an address no other test uses (so that no other widget's requests count).
const EARLY_API: [(&str, &str); 3] = [("data-api-base", "http://localhost:7/api/v2"), ("data-provider-id", "100"), ("data-token", "t")];

#[wasm_bindgen_test]
async fn an_early_answer_is_taken_only_for_the_very_same_request_and_only_once() {
    storage().clear().unwrap();
    js("window.__requests = [];");
    let _fetch = FakeFetch::install(&recording(
        r#"if (url.includes('/auth/profiles')) return page([{ id: 4242, profile_type: 'customer', provider: 100 }]);
           if (url.includes('/memberships')) return page([{ id: 101, type: 'pack', visible_to_customers: true, for_sale: true,
               name: window.__early ? 'Asked early' : 'Asked by the widget' }]);"#,
    ));
    // The loader asks for a provider-mode widget; the page then changes it to customer mode.
    let el = host(&EARLY_API);
    el.set_attribute("data-request-mode", "provider").unwrap();
    js("window.__early = true;");
    membership_checkout::host::ask_early(&el);
    js("window.__early = false;");
    let asked_early = requests().len();
    assert_eq!(asked_early, 3, "profile, catalogue and studio: {:?}", requests());
    assert!(requests().iter().all(|r| r["mode"] == "provider" && r["auth"] == "Bearer t"));
    el.set_attribute("data-request-mode", "customer").unwrap();
    let _widget = membership_checkout::mount(el.clone());
    let card = wait_for(&el, "[data-testid=membership-101]").await;
    assert!(card.text_content().unwrap().contains("Asked by the widget"), "another mode's answer is not taken");
    el.remove();

    // The same request is taken, once.
    js("window.__requests = [];");
    let el = host(&EARLY_API);
    js("window.__early = true;");
    membership_checkout::host::ask_early(&el);
    js("window.__early = false;");
    let _widget = membership_checkout::mount(el.clone());
    let card = wait_for(&el, "[data-testid=membership-101]").await;
    assert!(card.text_content().unwrap().contains("Asked early"));
    assert_eq!(requests_to("localhost:7/api/v2/memberships"), 1, "the widget did not ask again");
    let second = host(&EARLY_API);
    let _second = membership_checkout::mount(second.clone());
    let card = wait_for(&second, "[data-testid=membership-101]").await;
    assert!(card.text_content().unwrap().contains("Asked by the widget"), "taken once");
    el.remove();
    second.remove();
}

/// The studio's zone as Intl knows it: a real zone is used and named (the offer's deadline too),
/// a missing or unknown one (the docs' own example says "string") falls back to the visitor's.
#[wasm_bindgen_test]
fn the_studios_zone_is_used_when_the_browser_knows_it() {
    use membership_checkout::i18n::intl::{clock, zone_known};
    use membership_checkout::time::{choose_zone, ZoneChoice};
    assert!(zone_known("America/New_York") && zone_known("Europe/London"));
    assert!(!zone_known("string") && !zone_known("Mars/Olympus"));
    assert_eq!(choose_zone(Some("string"), Some("Europe/Berlin"), zone_known), ZoneChoice::Fallback);
    assert_eq!(choose_zone(Some("America/New_York"), Some("Europe/Berlin"), zone_known), ZoneChoice::Studio("America/New_York".into()));
    // 2030-01-15T23:30:00Z is 18:30 in New York (UTC-5 in January).
    let ms = 1_894_750_200_000.0;
    let deadline = clock(ms, "en-GB", Some("America/New_York"));
    assert!(deadline.starts_with("18:30") && deadline.contains("GMT-5"), "{deadline}");
    let unknown = clock(ms, "en-GB", Some("Mars/Olympus"));
    assert!(!unknown.is_empty() && !unknown.contains("Mars"), "the visitor's clock instead: {unknown}");
}

#[wasm_bindgen_test]
async fn early_requests_are_aborted_when_their_element_leaves_or_nobody_takes_them() {
    js("window.__started = 0; window.__aborted = 0; window.__urls = [];");
    let _fetch = FakeFetch::install(
        r#"(url, init) => new Promise((resolve, reject) => {
            window.__started++; window.__urls.push(String(url));
            init.signal.addEventListener('abort', () => { window.__aborted++; reject(new DOMException('aborted', 'AbortError')); });
        })"#,
    );
    let el = host(&UNREACHABLE);
    membership_checkout::host::ask_early(&el);
    assert_eq!(js("window.__started").as_f64(), Some(3.0));
    el.remove();
    sleep(50).await;
    assert_eq!(js("window.__aborted").as_f64(), Some(3.0), "removed before the widget started: aborted");

    js("window.__started = 0; window.__aborted = 0;");
    membership_checkout::host::set_early_keep_ms(200);
    let el = host(&UNREACHABLE);
    membership_checkout::host::ask_early(&el);
    sleep(400).await;
    assert_eq!(js("window.__aborted").as_f64(), Some(3.0), "not taken in time: dropped and aborted");
    membership_checkout::host::set_early_keep_ms(30_000);
    el.remove();
}

#[wasm_bindgen_test]
async fn removing_the_widget_aborts_its_plan_prefetches() {
    storage().clear().unwrap();
    js("window.__plansStarted = 0; window.__plansAborted = 0;");
    let _fetch = FakeFetch::install(
        r#"(url, init) => {
            const page = results => new Response(JSON.stringify({ count: results.length, next: null, previous: null, results }),
                { status: 200, headers: { 'Content-Type': 'application/json' } });
            if (url.includes('/membership_payment_plans')) return new Promise((resolve, reject) => {
                window.__plansStarted++;
                init.signal.addEventListener('abort', () => { window.__plansAborted++; reject(new DOMException('aborted', 'AbortError')); });
            });
            if (url.includes('/auth/profiles')) return Promise.resolve(page([{ id: 4242, profile_type: 'customer', provider: 100 }]));
            if (url.includes('/memberships')) return Promise.resolve(page([
                { id: 201, type: 'recurring_plan', name: 'Unlimited', for_sale: true, visible_to_customers: true },
                { id: 202, type: 'recurring_plan', name: 'Off-peak', for_sale: true, visible_to_customers: true }]));
            return Promise.resolve(page([]));
        }"#,
    );
    let el = host(&UNREACHABLE);
    let widget = membership_checkout::mount(el.clone());
    wait_for(&el, "[data-testid=membership-202]").await;
    for _ in 0..40 {
        if js("window.__plansStarted").as_f64() == Some(2.0) {
            break;
        }
        sleep(25).await;
    }
    assert_eq!(js("window.__plansStarted").as_f64(), Some(2.0), "both recurring memberships' plans were asked for after painting");
    drop(widget);
    sleep(50).await;
    assert_eq!(js("window.__plansAborted").as_f64(), Some(2.0), "unused prefetches are aborted with the widget");
    el.remove();
}

/// The Uelz widget back from Uelz's checkout believes no `?outcome=paid`: it asks the gateway
/// about the attempt it kept (`GET <gateway>/purchases/<external_id>`), says "not found yet" while
/// the gateway has none, and confirms the purchase once the gateway says it is active.
#[wasm_bindgen_test]
async fn a_uelz_return_is_confirmed_by_the_gateway_by_its_external_id() {
    storage().clear().unwrap();
    const GATEWAY: &str = "http://127.0.0.1:9/v1";
    const ID: &str = "0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f";
    let key = format!("membership-checkout:uelz:{GATEWAY}:offer");
    storage().set_item(&key, &pending_with(10.0, Receipt::Uelz { external_id: ID.into() })).unwrap();
    js("window.__asked = []; window.__known = false;");
    let _fetch = FakeFetch::install(
        r#"async (url) => {
            window.__asked.push(url);
            const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
            const m = url.match(/\/purchases\/([^/?]+)$/);
            if (m && !window.__known) return json(404, { code: 'purchase_not_found', message: 'There is no purchase for this checkout (yet).', type: 'invalid_request_error', field_errors: {} });
            if (m) return json(200, { external_id: decodeURIComponent(m[1]), purchase_id: 'clpu1', status: 'active', outcome: 'active' });
            return json(200, { plans: [] });
        }"#,
    );
    let window = web_sys::window().unwrap();
    let original = window.location().href().unwrap();
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("?outcome=paid&purchase=clpu1")).unwrap();

    let el = host(&[("data-backend", "uelz"), ("data-gateway-url", GATEWAY)]);
    let _widget = membership_checkout::mount(el.clone());
    let said = wait_for(&el, "[data-testid=confirming][data-confirmation=not-found]").await;
    assert_eq!(state(&el), "confirming");
    assert!(said.text_content().unwrap().contains("Unlimited Monthly"), "{}", said.inner_html());
    assert!(inside(&el).query_selector("[data-testid=outcome]").unwrap().is_none(), "?outcome=paid shows nothing");
    wait_for(&el, "[data-testid=payment-link]").await;
    let asked = js("window.__asked.join(' ')").as_string().unwrap();
    assert!(asked.contains(&format!("{GATEWAY}/purchases/{ID}")), "the gateway is asked by the attempt's key: {asked}");

    // Paid meanwhile: the next scheduled check (2 s) finds it.
    js("window.__known = true;");
    let outcome = wait_for(&el, "[data-testid=outcome][data-outcome=paid]").await;
    assert!(outcome.text_content().unwrap().contains("Unlimited Monthly"), "{}", outcome.inner_html());
    sleep(50).await;
    assert_eq!(storage().get_item(&key).unwrap(), None, "the kept offer is done with");
    window.history().unwrap().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&original)).unwrap();
    el.remove();
    storage().clear().unwrap();
}
