//! TeamUp v2: request building (plain Rust, unit tested) and the calls the widget makes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::http::{parse_json, read_offer, Method, Reply, Transport};
use super::retry::Repeat;
use super::session::{Renewal, Renewed, Session};
use crate::auth::Tokens;
use super::{Confirmation, Receipt};
use crate::model::teamup::{Attendance, CustomerMembership, Event, Membership, PaymentPlan, PermissionGroup, Profile, Provider, Related, Slot};
use crate::model::Offer;
use crate::settings::TeamUpSettings;
use crate::time::format_rfc3339_ms;
use crate::url::{encode, with_query};

/// A guard against a server whose `next` links loop or never end: a list is given up (with an
/// error) after this many pages.
pub const MAX_PAGES: usize = 100;
/// At most this many permission lookups (one per kind of class) for a schedule; a schedule that
/// needs more is reported as unreadable rather than asked about without end.
pub const MAX_PERMISSION_LOOKUPS: usize = 50;
/// The schedule offered next to a membership.
pub const SCHEDULE_DAYS: f64 = 14.0;

/// Everything initiate_purchase needs, already validated by the checkout state machine.
#[derive(Clone, Debug, PartialEq)]
pub struct PurchaseRequest {
    pub membership: u64,
    pub customer: u64,
    pub payment_plan: Option<u64>,
    pub event: Option<u64>,
    pub appointment_slot: Option<String>,
    pub return_to: String,
}

impl PurchaseRequest {
    /// The JSON body; absent optionals are left out rather than sent as null.
    pub fn body(&self) -> String {
        let mut body = Map::new();
        body.insert("return_to".into(), json!(self.return_to));
        body.insert("customer".into(), json!(self.customer));
        if let Some(plan) = self.payment_plan {
            body.insert("payment_plan".into(), json!(plan));
        }
        if let Some(event) = self.event {
            body.insert("event".into(), json!(event));
        }
        if let Some(slot) = &self.appointment_slot {
            body.insert("appointment_slot".into(), json!(slot));
        }
        Value::Object(body).to_string()
    }
}

/// A configured TeamUp client: base URL, provider and whose requests these are.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamUp {
    /// Where requests go: the `api-proxy` when the studio set one (it rewrites the links in its
    /// answers to point at itself), else the API itself.
    base: String,
    provider_id: u64,
    mode: &'static str,
    prefix: String,
    session: Session,
    transport: Transport,
}

impl TeamUp {
    /// With the host page's token if it gave one, else nobody signed in yet.
    pub fn new(settings: &TeamUpSettings, transport: Transport) -> Self {
        let session = settings.token.clone().map(Session::with_token).unwrap_or_default();
        Self::with_session(settings, transport, session)
    }

    /// Every request goes through `transport` bound to the API's origin
    /// ([`TeamUpSettings::api_origin`]): nothing this client sends can go anywhere else.
    pub fn with_session(settings: &TeamUpSettings, transport: Transport, session: Session) -> Self {
        TeamUp {
            transport: transport.bound_to(&settings.api_origin()),
            base: settings.api_proxy.as_deref().unwrap_or(&settings.api_base).trim_end_matches('/').to_string(),
            provider_id: settings.provider_id,
            mode: settings.request_mode.as_header(),
            prefix: settings.auth_prefix.clone(),
            session,
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The headers of a request now: no `Authorization` while nobody is signed in.
    pub fn headers(&self, with_json_body: bool) -> Vec<(&'static str, String)> {
        let mut headers = vec![("Accept", "application/json".to_string())];
        if let Some(access) = self.session.access() {
            headers.push(("Authorization", format!("{} {access}", self.prefix)));
        }
        headers.push(("Teamup-Request-Mode", self.mode.to_string()));
        headers.push(("TeamUp-Provider-ID", self.provider_id.to_string()));
        if with_json_body {
            headers.push(("Content-Type", "application/json".to_string()));
        }
        headers
    }

    pub fn token_url(&self) -> String {
        format!("{}/auth/oauth/token", self.base)
    }

    pub fn refresh_url(&self) -> String {
        format!("{}/auth/refresh_access_token", self.base)
    }

    /// Sends with the session's token: renewed first when it is about to lapse, and once more
    /// after a 401 if it can be renewed. `read` keeps what it reads (see [`Transport::send_with`]):
    /// one copy of this for every answer type.
    async fn send_authorized(
        &self,
        method: Method,
        url: &str,
        body: Option<String>,
        timeout_ms: u32,
        repeat: Repeat,
        read: &mut dyn FnMut(&Reply) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        if self.session.needs_renewal(js_sys::Date::now()) {
            self.session.renew().await;
        }
        let json = body.is_some();
        let sent_with = self.session.access();
        let first = self.transport.send_with(method, url, &self.headers(json), body.clone(), timeout_ms, repeat, &mut *read).await;
        match first {
            Err(error) if error.status() == Some(401) && self.session.can_renew() => {
                // Another request may have renewed the token meanwhile: then just use the new one.
                let renewed = self.session.access() != sent_with || self.session.renew().await;
                if renewed {
                    self.transport.send_with(method, url, &self.headers(json), body, timeout_ms, repeat, read).await
                } else {
                    Err(error)
                }
            }
            other => other,
        }
    }

    /// A GET of one JSON value of type `T`.
    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        let mut value = None;
        self.send_authorized(Method::Get, url, None, self.transport.timeout_ms, Repeat::Safe, &mut |reply| {
            value = Some(parse_json(reply)?);
            Ok(())
        })
        .await?;
        value.ok_or_else(|| ApiError::Malformed("no answer was read".into()))
    }

    /// Exchanges a sign-in code for tokens (`POST /auth/oauth/token`, form-encoded).
    pub async fn exchange_code(&self, form: String) -> Result<Tokens, ApiError> {
        let headers = sign_in_headers("application/x-www-form-urlencoded");
        let t = &self.transport;
        t.send(Method::Post, &self.token_url(), &headers, Some(form), t.timeout_ms, Repeat::OnlyIfRefused, read_tokens).await
    }

    /// Renews with the refresh token (`POST /auth/refresh_access_token`, auth/endpoints_auth-refresh-access-token-create.md).
    pub fn refresher(&self) -> Renewal {
        let (transport, url) = (self.transport.clone(), self.refresh_url());
        std::rc::Rc::new(move |current: Option<Tokens>| {
            let (transport, url) = (transport.clone(), url.clone());
            Box::pin(async move {
                let Some(refresh) = current.and_then(|t| t.refresh) else { return Renewed::SignedOut };
                let headers = sign_in_headers("application/json");
                let body = crate::auth::refresh_body(&refresh);
                let timeout = transport.timeout_ms;
                // Sent again only when refused (429, 503): refresh tokens rotate, so a lost answer
                // after the server acted would spend the token on nothing.
                match transport.send(Method::Post, &url, &headers, Some(body), timeout, Repeat::OnlyIfRefused, read_tokens).await {
                    Ok(tokens) => Renewed::Tokens(tokens),
                    Err(error) => Renewed::after_refresh_error(&error),
                }
            })
        })
    }

    pub fn profiles_url(&self) -> String {
        format!("{}/auth/profiles?page_size=100", self.base)
    }

    /// The studio, with its address: the time zone is `address.timezone`, a deferred field
    /// (providers/endpoints_providers-retrieve.md).
    pub fn provider_url(&self) -> String {
        format!("{}/providers/{}?expand=address", self.base, self.provider_id)
    }

    pub fn memberships_url(&self) -> String {
        format!("{}/memberships?for_sale=true&visible_to_customers=true&page_size=100", self.base)
    }

    pub fn permits_url(&self, event_id: u64) -> String {
        format!(
            "{}/memberships?for_sale=true&visible_to_customers=true&permits_registration_for_event={event_id}&fields=id&page_size=100",
            self.base
        )
    }

    /// The membership's own `plans` link when it has one (relative links resolved against the
    /// catalogue's address), else the documented list filter; with the joining fee, a deferred
    /// field (memberships/endpoints_membership-payment-plans-list.md). A link that can't be read
    /// is kept as it is: the transport refuses it like one to another origin.
    pub fn plans_url(&self, membership: &Membership) -> String {
        match membership.plans.as_deref().filter(|link| !link.is_empty()) {
            Some(link) => match crate::url::resolve(&self.memberships_url(), link) {
                Some(url) => with_query(&url, "expand=joining_fee&page_size=100"),
                None => link.to_string(),
            },
            None => format!("{}/membership_payment_plans?membership={}&expand=joining_fee&page_size=100", self.base, membership.id),
        }
    }

    /// The next two weeks' classes, each with its venue (an id unless expanded:
    /// events/endpoints_events-list.md).
    pub fn events_url(&self, from: &str, to: &str) -> String {
        format!(
            "{}/events?starts_at_gte={}&starts_at_lte={}&status=active&sort=start&expand=venue&page_size=250",
            self.base,
            encode(from),
            encode(to)
        )
    }

    /// The customer's memberships of one kind (customers/endpoints_customer-memberships-list.md).
    pub fn customer_memberships_url(&self, customer: u64, membership: u64) -> String {
        format!("{}/customer_memberships?customer={customer}&membership={membership}&page_size=100", self.base)
    }

    /// The customer's registrations for a class, or at an appointment's time
    /// (attendance/endpoints_attendances-list.md).
    pub fn attendances_url(&self, customer: u64, booking: &BookingCheck) -> String {
        match booking {
            BookingCheck::Class(event) => format!("{}/attendances?customer={customer}&event={event}&page_size=100", self.base),
            BookingCheck::AppointmentAt(at) => format!(
                "{}/attendances?customer={customer}&event_starts_at_gte={at}&event_starts_at_lte={at}&page_size=100",
                self.base,
                at = encode(at)
            ),
        }
    }

    pub fn slots_url(&self, from: &str, to: &str) -> String {
        format!("{}/slots?starts_at_gte={}&starts_at_lte={}&page_size=100", self.base, encode(from), encode(to))
    }

    pub fn purchase_url(&self, membership: u64) -> String {
        format!("{}/memberships/{membership}/initiate_purchase", self.base)
    }

    // ---- calls ----

    /// Follows `next` until the end (DRF pagination), reading each item with serde.
    async fn get_all<T: DeserializeOwned>(&self, first: String) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        self.get_pages(first, &mut |body| {
            let page = RawPage::read(body)?;
            let results: Vec<T> = serde_json::from_str(page.results.get()).map_err(|e| ApiError::Malformed(e.to_string()))?;
            items.extend(results);
            Ok(page.next)
        })
        .await?;
        Ok(items)
    }

    /// The pagination loop, once for every item type: `read` reads a page's body, keeps its items
    /// and says where the next page is. A page `read` refuses fails the attempt as a whole
    /// (retried like an unreadable one), so a retried page is never counted twice.
    async fn get_pages(&self, first: String, read: &mut dyn FnMut(&str) -> Result<Option<String>, ApiError>) -> Result<(), ApiError> {
        let mut url = Some(first);
        // (A list, not a set: at most MAX_PAGES addresses, and no hash table on the first screen.)
        let mut seen: Vec<String> = Vec::new();
        while let Some(current) = url.take() {
            if seen.contains(&current) || seen.len() >= MAX_PAGES {
                return Err(ApiError::Malformed("pagination does not end".into()));
            }
            seen.push(current.clone());
            let mut next = None;
            self.send_authorized(Method::Get, &current, None, self.transport.timeout_ms, Repeat::Safe, &mut |reply| {
                next = read(&reply.body)?;
                Ok(())
            })
            .await?;
            // A relative `next` is read against the page it came in; whether it may be asked for
            // is the transport's decision (one that can't be read at all is refused there too).
            url = next.filter(|n| !n.is_empty()).map(|n| crate::url::resolve(&current, &n).unwrap_or(n));
        }
        Ok(())
    }

    pub async fn customer_id(&self) -> Result<u64, ApiError> {
        let profiles: Vec<Profile> = self.get_all(self.profiles_url()).await?;
        customer_id_for(&profiles, self.provider_id).ok_or_else(|| ApiError::Http {
            status: 403,
            code: Some("no_customer_profile".into()),
            message: Some("You don't have a customer profile at this studio yet.".into()),
            field_errors: vec![],
        })
    }

    /// The studio's time zone (`Europe/London`), for class times; `None` if it doesn't say.
    pub async fn studio_time_zone(&self) -> Result<Option<String>, ApiError> {
        let provider: Provider = self.get_json(&self.provider_url()).await?;
        Ok(provider.time_zone().map(str::to_string))
    }

    /// The ids of the customer's memberships of this kind: taken before a purchase, so that the
    /// one it makes can be told from earlier ones when the customer is back.
    pub async fn held_ids(&self, customer: u64, membership: u64) -> Result<Vec<u64>, ApiError> {
        let held: Vec<CustomerMembership> = self.get_all(self.customer_memberships_url(customer, membership)).await?;
        Ok(held.into_iter().map(|m| m.id).collect())
    }

    /// What TeamUp says about a purchase the customer came back from.
    pub async fn confirmation(&self, receipt: &Receipt) -> Result<Confirmation, ApiError> {
        let Receipt::TeamUp { customer, membership, booking, .. } = receipt else {
            return Err(ApiError::Malformed("not a TeamUp purchase".into()));
        };
        let held: Vec<CustomerMembership> = self.get_all(self.customer_memberships_url(*customer, *membership)).await?;
        let said = confirmation_of(receipt, &held, None);
        let Some(booking) = booking.as_ref().filter(|_| said == Confirmation::Active) else { return Ok(said) };
        let booked: Vec<Attendance> = self.get_all(self.attendances_url(*customer, booking)).await?;
        Ok(confirmation_of(receipt, &held, Some(&booked)))
    }

    /// The catalogue: the first screen's answer, read without serde ([`super::json`]).
    pub async fn memberships(&self) -> Result<Vec<Membership>, ApiError> {
        let mut all = Vec::new();
        self.get_pages(self.memberships_url(), &mut |body| {
            let (items, next) = super::json::page(body)?;
            for item in &items {
                all.push(super::json::membership(item)?);
            }
            Ok(next)
        })
        .await?;
        Ok(all.into_iter().filter(Membership::is_purchasable).collect())
    }

    pub async fn plans(&self, membership: &Membership) -> Result<Vec<PaymentPlan>, ApiError> {
        let all: Vec<PaymentPlan> = self.get_all(self.plans_url(membership)).await?;
        Ok(all.into_iter().filter(PaymentPlan::is_for_sale).collect())
    }

    /// Upcoming bookable events and which memberships may book them.
    pub async fn schedule(&self, now_ms: f64) -> Result<Schedule, ApiError> {
        let (from, to) = window(now_ms);
        let events: Vec<Event> = self.get_all(self.events_url(&from, &to)).await?;
        let events: Vec<Arc<Event>> = events.into_iter().map(Event::with_start_parsed).filter(|e| e.is_bookable(now_ms)).map(Arc::new).collect();
        let groups = representatives(events.iter().map(|e| &**e));
        if groups.len() > MAX_PERMISSION_LOOKUPS {
            return Err(ApiError::Malformed(format!("{} kinds of class to look permissions up for", groups.len())));
        }
        let lookups = groups.into_iter().map(|(group, event_id)| async move {
            #[derive(serde::Deserialize)]
            struct Id {
                id: u64,
            }
            let permitted: Vec<Id> = self.get_all(self.permits_url(event_id)).await?;
            Ok::<_, ApiError>((group, permitted.into_iter().map(|m| m.id).collect::<HashSet<u64>>()))
        });
        let mut permitted = HashMap::new();
        for result in futures::future::join_all(lookups).await {
            let (group, ids) = result?;
            permitted.insert(group, ids);
        }
        Ok(Schedule { events, permitted })
    }

    pub async fn slots(&self, now_ms: f64) -> Result<Vec<Slot>, ApiError> {
        let (from, to) = window(now_ms);
        let slots: Vec<Slot> = self.get_all(self.slots_url(&from, &to)).await?;
        Ok(slots.into_iter().filter(|s| s.is_bookable(now_ms)).collect())
    }

    /// Sends initiate_purchase. Returns the offer and the server's clock (`Date`) if given.
    pub async fn initiate_purchase(&self, request: &PurchaseRequest) -> Result<(Offer, Option<f64>), ApiError> {
        // No idempotency key: sent again only if TeamUp said it did nothing (429, 503).
        let mut answer = None;
        self.send_authorized(
            Method::Post,
            &self.purchase_url(request.membership),
            Some(request.body()),
            self.transport.timeout_ms.saturating_mul(2),
            Repeat::OnlyIfRefused,
            &mut |reply| {
                answer = Some(read_offer(reply)?);
                Ok(())
            },
        )
        .await?;
        answer.ok_or_else(|| ApiError::Malformed("no answer was read".into()))
    }
}

/// What a customer's memberships (and, when the purchase booked something, registrations) say
/// about a purchase. Only a membership of the kind bought that the customer didn't hold before
/// counts: `active` (or already `completed`) is bought, `hold` not in force yet, `cancelled` failed.
/// Bought with its booking not showing yet is pending (`booked` `None`: not asked yet).
pub fn confirmation_of(receipt: &Receipt, held: &[CustomerMembership], booked: Option<&[Attendance]>) -> Confirmation {
    let Receipt::TeamUp { membership, booking, known, since, .. } = receipt else { return Confirmation::NotFound };
    let new: Vec<&CustomerMembership> = held
        .iter()
        .filter(|m| m.membership.as_ref().and_then(Related::id) == Some(*membership))
        .filter(|m| match known {
            Some(ids) => !ids.contains(&m.id),
            None => m.start_date.as_deref().is_some_and(|d| d >= since.as_str()),
        })
        .collect();
    let has = |status: &str| new.iter().any(|m| m.status.as_deref() == Some(status));
    if has("active") || has("completed") {
        match (booking, booked) {
            (Some(_), Some(list)) if !list.iter().any(Attendance::is_booked) => Confirmation::Pending,
            _ => Confirmation::Active,
        }
    } else if has("hold") {
        Confirmation::Pending
    } else if has("cancelled") {
        Confirmation::Failed
    } else {
        Confirmation::NotFound
    }
}

/// How a booking made with a TeamUp purchase is found among the customer's registrations.
#[derive(Clone, Debug, PartialEq)]
pub enum BookingCheck {
    /// `GET /attendances?customer=&event=` (attendance/endpoints_attendances-list.md).
    Class(u64),
    /// An appointment slot, by its start: `GET /attendances?customer=&event_starts_at_gte=&
    /// event_starts_at_lte=`. TeamUp documents no way from a slot to its booking (the slots
    /// pages are missing); a booked appointment is taken to be an event at the slot's time.
    AppointmentAt(String),
}

/// The customer id for `initiate_purchase` is the customer profile at the target provider
/// (auth/endpoints_auth-profiles-list.md).
pub fn customer_id_for(profiles: &[Profile], provider_id: u64) -> Option<u64> {
    profiles
        .iter()
        .find(|p| {
            p.profile_type.as_deref() == Some("customer")
                && p.provider.as_ref().and_then(Related::id) == Some(provider_id)
        })
        .map(|p| p.id)
}

/// Bookable events plus, per permission group, the memberships allowed to book them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schedule {
    /// Shared, not copied: a membership's classes are a list of these, made on every choice.
    pub events: Vec<Arc<Event>>,
    pub permitted: HashMap<PermissionGroup, HashSet<u64>>,
}

impl Schedule {
    /// The first and the last class's start (epoch ms).
    pub fn span(&self) -> Option<(f64, f64)> {
        let starts = self.events.iter().filter_map(|e| e.start_ms());
        starts.fold(None, |span, t| match span {
            None => Some((t, t)),
            Some((a, b)) => Some((t.min(a), t.max(b))),
        })
    }

    pub fn events_for(&self, membership: u64) -> Vec<Arc<Event>> {
        // The few groups this membership may book, then one pass over the classes.
        let groups: Vec<PermissionGroup> = self.permitted.iter().filter(|(_, ids)| ids.contains(&membership)).map(|(g, _)| *g).collect();
        self.events.iter().filter(|e| groups.contains(&e.permission_group())).cloned().collect()
    }
}

/// One event per permission group: the one whose permitted memberships are looked up.
pub fn representatives<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeMap<PermissionGroup, u64> {
    let mut reps = BTreeMap::new();
    for event in events {
        reps.entry(event.permission_group()).or_insert(event.id);
    }
    reps
}

fn window(now_ms: f64) -> (String, String) {
    (format_rfc3339_ms(now_ms), format_rfc3339_ms(now_ms + SCHEDULE_DAYS * 86_400_000.0))
}

/// Headers of the sign-in calls: no credentials (the code or refresh token is in the body).
fn sign_in_headers(content_type: &str) -> [(&'static str, String); 2] {
    [("Accept", "application/json".to_string()), ("Content-Type", content_type.to_string())]
}

fn read_tokens(reply: &Reply) -> Result<Tokens, ApiError> {
    Tokens::from_reply(&reply.body, js_sys::Date::now()).map_err(ApiError::Malformed)
}

/// A DRF page (`{count, next, previous, results}`) with its `results` left raw: the envelope is
/// read by this one non-generic parser, the items by their own type's (a copy of the envelope's
/// parser per item type cost about 2 KB of wasm each).
#[derive(serde::Deserialize)]
struct RawPage<'a> {
    #[serde(default, rename = "count")]
    _count: Option<u64>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "previous")]
    _previous: Option<String>,
    #[serde(borrow)]
    results: &'a serde_json::value::RawValue,
}

impl<'a> RawPage<'a> {
    fn read(body: &'a str) -> Result<Self, ApiError> {
        serde_json::from_str(body).map_err(|e| ApiError::Malformed(e.to_string()))
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{RequestMode, TeamUpSettings};

    fn client() -> TeamUp {
        client_via(None)
    }

    fn client_via(proxy: Option<&str>) -> TeamUp {
        TeamUp::new(&TeamUpSettings {
            api_base: "https://goteamup.com/api/v2/".into(),
            api_proxy: proxy.map(str::to_string),
            provider_id: 100,
            request_mode: RequestMode::Customer,
            token: Some("tok".into()),
            client_id: None,
            auth_prefix: "Token".into(),
            customer_id: None,
        }, Transport::new(15_000))
    }

    #[test]
    fn headers_carry_auth_mode_and_provider() {
        let h = client().headers(true);
        let get = |k: &str| h.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("Authorization"), Some("Token tok"));
        assert_eq!(get("Teamup-Request-Mode"), Some("customer"));
        assert_eq!(get("TeamUp-Provider-ID"), Some("100"));
        assert_eq!(get("Content-Type"), Some("application/json"));
        assert_eq!(client().headers(false).iter().filter(|(n, _)| *n == "Content-Type").count(), 0);
    }

    #[test]
    fn urls() {
        let c = client();
        assert_eq!(
            c.memberships_url(),
            "https://goteamup.com/api/v2/memberships?for_sale=true&visible_to_customers=true&page_size=100"
        );
        assert_eq!(c.purchase_url(103), "https://goteamup.com/api/v2/memberships/103/initiate_purchase");
        assert_eq!(
            c.events_url("2026-11-23T10:00:00.000Z", "2026-12-07T10:00:00.000Z"),
            "https://goteamup.com/api/v2/events?starts_at_gte=2026-11-23T10%3A00%3A00.000Z&starts_at_lte=2026-12-07T10%3A00%3A00.000Z&status=active&sort=start&expand=venue&page_size=250"
        );
        assert!(c.permits_url(5001).contains("permits_registration_for_event=5001"));
        // Deferred fields the widget shows are asked for: the studio's address (its time zone)
        // and each plan's joining fee.
        assert_eq!(c.provider_url(), "https://goteamup.com/api/v2/providers/100?expand=address");
        let mut m: Membership = serde_json::from_str(r#"{"id":7,"name":"M","type":"recurring_plan"}"#).unwrap();
        assert_eq!(c.plans_url(&m), "https://goteamup.com/api/v2/membership_payment_plans?membership=7&expand=joining_fee&page_size=100");
        m.plans = Some("https://goteamup.com/api/v2/membership_payment_plans?membership=7".into());
        assert_eq!(c.plans_url(&m), "https://goteamup.com/api/v2/membership_payment_plans?membership=7&expand=joining_fee&page_size=100");
        m.plans = Some("https://x.example/memberships/7/plans#top".into());
        assert_eq!(c.plans_url(&m), "https://x.example/memberships/7/plans?expand=joining_fee&page_size=100#top", "asked for as given: the transport refuses it");
        m.plans = Some("/api/v2/membership_payment_plans?membership=7".into());
        assert_eq!(c.plans_url(&m), "https://goteamup.com/api/v2/membership_payment_plans?membership=7&expand=joining_fee&page_size=100");
        m.plans = Some("membership_payment_plans?membership=7".into());
        assert_eq!(c.plans_url(&m), "https://goteamup.com/api/v2/membership_payment_plans?membership=7&expand=joining_fee&page_size=100");
        m.plans = Some("javascript:alert(1)".into());
        assert_eq!(c.plans_url(&m), "javascript:alert(1)", "kept as it is, so that it is refused, not silently replaced");
        assert_eq!(c.customer_memberships_url(4242, 103), "https://goteamup.com/api/v2/customer_memberships?customer=4242&membership=103&page_size=100");
        assert_eq!(c.attendances_url(4242, &BookingCheck::Class(5001)), "https://goteamup.com/api/v2/attendances?customer=4242&event=5001&page_size=100");
        assert_eq!(
            c.attendances_url(4242, &BookingCheck::AppointmentAt("2026-11-24T08:00:00.000Z".into())),
            "https://goteamup.com/api/v2/attendances?customer=4242&event_starts_at_gte=2026-11-24T08%3A00%3A00.000Z&event_starts_at_lte=2026-11-24T08%3A00%3A00.000Z&page_size=100"
        );
        assert_eq!(encode("a+b c/é"), "a%2Bb%20c%2F%C3%A9");
    }

    #[test]
    fn every_link_a_client_builds_is_on_its_api_origin_or_refused_by_its_transport() {
        use crate::backend::http::admitted;
        let c = client();
        let origin = c.transport.origin().expect("bound to the API's origin");
        assert_eq!(origin, "https://goteamup.com");
        for url in [c.profiles_url(), c.provider_url(), c.memberships_url(), c.permits_url(1), c.events_url("a", "b"), c.slots_url("a", "b"), c.purchase_url(1), c.token_url(), c.refresh_url()] {
            assert!(admitted(Some(origin), &url, &c.headers(false)), "{url}");
        }
        let mut m: Membership = serde_json::from_str(r#"{"id":7,"name":"M","type":"recurring_plan"}"#).unwrap();
        for link in ["https://evil.example/plans", "//evil.example/plans", "http://goteamup.com/plans", "https://goteamup.com:8443/plans", "javascript:alert(1)"] {
            m.plans = Some(link.into());
            assert!(!admitted(Some(origin), &c.plans_url(&m), &c.headers(false)), "{link}");
        }
    }

    #[test]
    fn through_a_proxy_every_request_goes_to_the_proxy_and_nowhere_else() {
        let proxy = "https://pay.studio.example/v1/teamup";
        let c = client_via(Some(proxy));
        assert_eq!(c.memberships_url(), format!("{proxy}/memberships?for_sale=true&visible_to_customers=true&page_size=100"));
        assert_eq!(c.provider_url(), format!("{proxy}/providers/100?expand=address"));
        assert_eq!(c.purchase_url(103), format!("{proxy}/memberships/103/initiate_purchase"));
        assert_eq!(c.token_url(), format!("{proxy}/auth/oauth/token"));
        assert_eq!(c.refresh_url(), format!("{proxy}/auth/refresh_access_token"));
        // Back from the payment page too (the pass-through allows both).
        assert_eq!(c.customer_memberships_url(4242, 103), format!("{proxy}/customer_memberships?customer=4242&membership=103&page_size=100"));
        assert!(c.attendances_url(4242, &BookingCheck::Class(5001)).starts_with(&format!("{proxy}/attendances?")));
        // The proxy's answers link to the proxy (it rewrites TeamUp's links); a link to TeamUp
        // itself would carry the customer's token past the proxy, so it is refused like any other.
        let origin = c.transport.origin().expect("bound to the proxy's origin");
        assert_eq!(origin, "https://pay.studio.example");
        let mut m: Membership = serde_json::from_str(r#"{"id":7,"name":"M","type":"recurring_plan"}"#).unwrap();
        m.plans = Some(format!("{proxy}/membership_payment_plans?membership=7"));
        assert_eq!(c.plans_url(&m), format!("{proxy}/membership_payment_plans?membership=7&expand=joining_fee&page_size=100"));
        assert!(crate::backend::http::admitted(Some(origin), &c.plans_url(&m), &c.headers(false)));
        m.plans = Some("https://goteamup.com/api/v2/membership_payment_plans?membership=7".into());
        assert!(!crate::backend::http::admitted(Some(origin), &c.plans_url(&m), &c.headers(false)));
    }

    fn receipt(booking: Option<BookingCheck>, known: Option<Vec<u64>>) -> Receipt {
        Receipt::TeamUp { customer: 4242, membership: 103, booking, known, since: "2026-11-22".into() }
    }

    fn held(json: &str) -> Vec<CustomerMembership> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_purchase_is_confirmed_by_the_customers_new_membership_and_booking() {
        let none: Vec<CustomerMembership> = vec![];
        assert_eq!(confirmation_of(&receipt(None, Some(vec![])), &none, None), Confirmation::NotFound);
        let active = held(r#"[{"id":7001,"status":"active","membership":103,"start_date":"2026-11-23"}]"#);
        assert_eq!(confirmation_of(&receipt(None, Some(vec![])), &active, None), Confirmation::Active);
        // A membership the customer held before the purchase is not this purchase.
        assert_eq!(confirmation_of(&receipt(None, Some(vec![7001])), &active, None), Confirmation::NotFound);
        // Of another kind, expanded: read by its id.
        let other = held(r#"[{"id":7002,"status":"active","membership":{"id":104,"name":"Off-Peak"},"start_date":"2026-11-23"}]"#);
        assert_eq!(confirmation_of(&receipt(None, Some(vec![])), &other, None), Confirmation::NotFound);
        // Without the earlier list, one that started before the purchase is not it.
        let old = held(r#"[{"id":6001,"status":"active","membership":103,"start_date":"2025-01-01"}]"#);
        assert_eq!(confirmation_of(&receipt(None, None), &old, None), Confirmation::NotFound);
        assert_eq!(confirmation_of(&receipt(None, None), &active, None), Confirmation::Active);
        for (status, said) in [("hold", Confirmation::Pending), ("cancelled", Confirmation::Failed), ("completed", Confirmation::Active), ("unknown", Confirmation::NotFound)] {
            let one = held(&format!(r#"[{{"id":7001,"status":"{status}","membership":103,"start_date":"2026-11-23"}}]"#));
            assert_eq!(confirmation_of(&receipt(None, Some(vec![])), &one, None), said, "{status}");
        }
        // A booked class must show too: until it does, the purchase is pending.
        let class = receipt(Some(BookingCheck::Class(5001)), Some(vec![]));
        let registered: Vec<Attendance> = serde_json::from_str(r#"[{"id":8001,"status":"registered"}]"#).unwrap();
        let not_yet: Vec<Attendance> = serde_json::from_str(r#"[{"id":8001,"status":"not_registered"}]"#).unwrap();
        assert_eq!(confirmation_of(&class, &active, Some(&registered)), Confirmation::Active);
        assert_eq!(confirmation_of(&class, &active, Some(&not_yet)), Confirmation::Pending);
        assert_eq!(confirmation_of(&class, &active, Some(&[])), Confirmation::Pending);
        assert_eq!(confirmation_of(&class, &none, Some(&registered)), Confirmation::NotFound);
        assert_eq!(confirmation_of(&Receipt::None, &active, None), Confirmation::NotFound);
    }

    #[test]
    fn purchase_body_omits_absent_optionals() {
        let mut req = PurchaseRequest {
            membership: 101,
            customer: 4242,
            payment_plan: None,
            event: None,
            appointment_slot: None,
            return_to: "https://studio.example/join".into(),
        };
        let body: Value = serde_json::from_str(&req.body()).unwrap();
        assert_eq!(body, json!({"return_to": "https://studio.example/join", "customer": 4242}));
        req.payment_plan = Some(1032);
        req.appointment_slot = Some("pt_\"x\"".into());
        let body: Value = serde_json::from_str(&req.body()).unwrap();
        assert_eq!(body["payment_plan"], json!(1032));
        assert_eq!(body["appointment_slot"], json!("pt_\"x\""));
        assert!(body.get("event").is_none());
    }

    #[test]
    fn a_page_is_read_as_page_reads_it() {
        use crate::model::teamup::tests::Page;
        let docs = [
            r#"{"count":2,"next":"https://x/p2","previous":null,"results":[{"id":1,"name":"A","starts_at":"2030-01-01T09:00:00Z"}]}"#,
            r#"{"results":[],"extra":{"a":[1,2]}}"#,
            r#"{"next":null,"results":[{"id":1,"name":"A","starts_at":"2030-01-01T09:00:00Z","unknown":true}]}"#,
            r#"{"count":"2","results":[]}"#,
            r#"{"previous":3,"results":[]}"#,
            r#"{"next":"n"}"#,
            r#"{"results":null}"#,
            r#"{"results":{}}"#,
            r#"{"results":[{"name":"no id"}]}"#,
            r#"{"results":[],"results":[]}"#,
            r#"{"results":[]} trailing"#,
            r#"[]"#,
            r#"{"results":[1,]}"#,
        ];
        for doc in docs {
            let whole = serde_json::from_str::<Page<Event>>(doc).map(|p| (p.results, p.next)).ok();
            let split = RawPage::read(doc)
                .and_then(|p| Ok((serde_json::from_str::<Vec<Event>>(p.results.get()).map_err(|e| ApiError::Malformed(e.to_string()))?, p.next)))
                .ok();
            assert_eq!(whole, split, "{doc}");
        }
    }

    #[test]
    fn schedule_filters_events_by_permission_group() {
        let events: Vec<Event> = serde_json::from_str(
            r#"[{"id":1,"name":"Yoga","starts_at":"2030-01-01T09:00:00Z","offering_type":1},
                {"id":2,"name":"HIIT","starts_at":"2030-01-01T10:00:00Z","offering_type":{"id":2,"name":"HIIT"}},
                {"id":3,"name":"Yoga","starts_at":"2030-01-02T09:00:00Z","offering_type":1},
                {"id":4,"name":"Special","starts_at":"2030-01-02T11:00:00Z"}]"#,
        )
        .unwrap();
        let reps = representatives(&events);
        assert_eq!(reps.len(), 3);
        assert_eq!(reps[&PermissionGroup::OfferingType(1)], 1);
        assert_eq!(reps[&PermissionGroup::Event(4)], 4);
        let schedule = Schedule {
            events: events.into_iter().map(Arc::new).collect(),
            permitted: HashMap::from([
                (PermissionGroup::OfferingType(1), HashSet::from([103, 104])),
                (PermissionGroup::OfferingType(2), HashSet::from([103])),
                (PermissionGroup::Event(4), HashSet::new()),
            ]),
        };
        let ids = |m| schedule.events_for(m).iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(103), [1, 2, 3]);
        assert_eq!(ids(104), [1, 3]);
        assert!(ids(105).is_empty());
    }
}
