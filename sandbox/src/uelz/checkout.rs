//! Uelz's hosted checkout (pay links, `https://app.uelzpay.com/checkout/<purchase id>` in
//! production): `GET /checkout/<id>?return_url=…` shows the purchase with the same pay/cancel
//! buttons as the TeamUp page; `POST` pays or cancels and sends the person back (303) to
//! `return_url` exactly as given. ASSUMPTION: the parameter name `return_url` and the whole page;
//! Uelz documents neither, nor anything it would add to `return_url`, so nothing is added: the
//! widget learns what happened from the purchase's status (through the gateway, by its
//! `external_id`), like a studio's server would.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use time::OffsetDateTime;

use super::currency::format_money;
use super::data::{format_date, Frequency};
use super::state::{Purchase, PurchaseType, UelzStatus};
use super::Query;
use crate::hosted_page::{self, html, see_other, Offer, Row, Wording};
use crate::state::Sandbox;
use crate::times::{clock_local, Zone};
use crate::urls::{append_query, is_absolute_http_url};

const WORDING: Wording = Wording {
    thing: "checkout",
    held: "open",
    note: "Uelz sandbox checkout: no real payment is taken.",
    again: "",
    purchase: "Purchase ",
    link: "checkout link",
};

pub fn routes() -> Router<Sandbox> {
    Router::new().route("/checkout/{id}", get(show).post(act))
}

/// What the page shows, gathered under the lock.
struct View {
    purchase: Purchase,
    organization: String,
    plan_name: String,
    period: Option<Frequency>,
    coupon_code: Option<String>,
    customer: String,
    expires_at: OffsetDateTime,
    return_url: String,
}

impl View {
    fn outcome(&self) -> Option<&'static str> {
        match self.purchase.status {
            UelzStatus::Incomplete => None,
            UelzStatus::Canceled => Some("cancelled"),
            _ => Some("paid"),
        }
    }
}

fn bad_return_url_page() -> Response {
    html(
        StatusCode::BAD_REQUEST,
        "Checkout link incomplete",
        "<h1>Checkout link incomplete</h1>\n<p class=\"message warn\" data-testid=\"bad-return-url\">This checkout link needs a <code>return_url</code> query parameter: an absolute http(s) URL to come back to.</p>",
    )
}

/// Why a checkout link can't be shown.
enum Unusable {
    /// 404
    NoSuchPurchase,
    /// 400: `return_url` missing or not an absolute http(s) URL.
    BadReturnUrl,
}

impl Unusable {
    fn page(self) -> Response {
        match self {
            Unusable::NoSuchPurchase => hosted_page::not_found_page(&WORDING),
            Unusable::BadReturnUrl => bad_return_url_page(),
        }
    }
}

fn load(sb: &Sandbox, id: &str, q: &Query) -> Result<View, Unusable> {
    let state = sb.lock();
    let data = &state.uelz.data;
    let p = state.uelz.purchase(id).ok_or(Unusable::NoSuchPurchase)?;
    let return_url = q
        .get("return_url")
        .map(str::trim)
        .filter(|u| is_absolute_http_url(u))
        .ok_or(Unusable::BadReturnUrl)?;
    let plan = data.plan(&p.plan);
    let lifetime = time::Duration::try_from(sb.uelz_config().checkout_lifetime)
        .unwrap_or(time::Duration::minutes(30));
    let customer = data
        .customer(&p.customer)
        .map(|c| match &c.name {
            Some(n) => format!("{n} <{}>", c.email),
            None => c.email.clone(),
        })
        .unwrap_or_else(|| p.customer.clone());
    Ok(View {
        purchase: p.clone(),
        organization: data.organization_name.clone(),
        plan_name: plan.map_or_else(|| p.plan.clone(), |pl| pl.plan_name.clone()),
        period: plan.and_then(|pl| pl.frequency),
        coupon_code: p
            .coupon
            .as_deref()
            .map(|c| data.coupon(c).map_or(c.to_string(), |c| c.code.clone())),
        customer,
        expires_at: p.created_at + lifetime,
        return_url: return_url.to_string(),
    })
}

fn offer_page(v: &View, status: StatusCode) -> Response {
    let p = &v.purchase;
    let money = |c: i64| format_money(c, &p.currency);
    let every = match (p.kind, v.period) {
        (PurchaseType::Subscription, Some(f)) => format!(" every {}", f.as_str()),
        _ => String::new(),
    };
    let mut rows = vec![
        Row::new("Plan", &v.plan_name).id("plan"),
        Row::new("Price", money(p.amount) + &every).id("amount"),
    ];
    if p.discount_amount > 0 || v.coupon_code.is_some() {
        let code = v.coupon_code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        rows.push(Row::new(format!("Discount{code}"), format!("−{}", money(p.discount_amount))).id("discount"));
    }
    if let Some(d) = p.service_activation_date {
        rows.push(Row::new("Starts", format_date(d)).id("activation"));
    }
    if let Some(d) = p.end_date {
        rows.push(Row::new("Ends", format_date(d)).id("end-date"));
    }
    rows.push(Row::new("First charge", format_date(p.first_charge_date)).id("first-charge"));
    let total = money(p.amount_due);
    rows.push(Row::total("Amount due", &total));
    let action = append_query(
        &format!("/checkout/{}", p.id),
        &[("return_url", &v.return_url)],
    );
    let offer = Offer {
        studio: &v.organization,
        rows,
        expires_at: v.expires_at,
        zone: Zone::UTC,
        back: &v.return_url,
        action: &action,
        total: &total,
        customer: &v.customer,
        id: &p.id,
    };
    hosted_page::offer_page(&WORDING, &offer, status)
}

fn lapsed_page(v: &View) -> Response {
    let until = clock_local(Zone::UTC, v.expires_at);
    hosted_page::lapsed_page(&WORDING, &v.organization, &until, &v.return_url)
}

fn done_page(v: &View, outcome: &str) -> Response {
    let status = Some(v.purchase.status.as_str());
    hosted_page::done_page(&v.organization, outcome, status, &v.plan_name, &v.return_url)
}

async fn show(State(sb): State<Sandbox>, Path(id): Path<String>, q: Query) -> Response {
    let v = match load(&sb, &id, &q) {
        Ok(v) => v,
        Err(why) => return why.page(),
    };
    match v.outcome() {
        Some(outcome) => done_page(&v, outcome),
        None if OffsetDateTime::now_utc() >= v.expires_at => lapsed_page(&v),
        None => offer_page(&v, StatusCode::OK),
    }
}

/// The status a paid purchase takes (Uelz's statuses, docs/contract.md §3).
fn paid_status(p: &Purchase, trial_days: u32, today: time::Date) -> UelzStatus {
    match p.kind {
        PurchaseType::Unique => UelzStatus::Succeeded,
        _ if p.service_activation_date.is_some_and(|a| a > today) => UelzStatus::Pending,
        _ if trial_days > 0 => UelzStatus::Trialing,
        _ => UelzStatus::Active,
    }
}

async fn act(State(sb): State<Sandbox>, Path(id): Path<String>, q: Query, body: Bytes) -> Response {
    let now = OffsetDateTime::now_utc();
    let action = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "action")
        .map(|(_, v)| v.into_owned())
        .last();
    let v = match load(&sb, &id, &q) {
        Ok(v) => v,
        Err(why) => return why.page(),
    };
    if v.outcome().is_some() {
        // A repeated submit (double click, back button) goes back like the first one did.
        return see_other(&v.return_url);
    }
    if now >= v.expires_at {
        return lapsed_page(&v);
    }
    let status = match action.as_deref() {
        Some("pay") => {
            let state = sb.lock();
            let trial = state
                .uelz
                .data
                .plan(&v.purchase.plan)
                .map_or(0, |p| p.trial_days);
            paid_status(&v.purchase, trial, now.date())
        }
        Some("cancel") => UelzStatus::Canceled,
        _ => return offer_page(&v, StatusCode::BAD_REQUEST),
    };
    {
        let mut state = sb.lock();
        // Another tab may have finished it in between: that result stands.
        if let Some(p) = state
            .uelz
            .purchases
            .iter_mut()
            .find(|p| p.id == v.purchase.id && p.status == UelzStatus::Incomplete)
        {
            p.status = status;
        }
    }
    see_other(&v.return_url)
}
