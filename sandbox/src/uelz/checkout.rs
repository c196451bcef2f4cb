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
use crate::html::esc;
use crate::pay_page::{html, see_other, COUNTDOWN_SCRIPT};
use crate::state::Sandbox;
use crate::times::{clock_local, format_utc, Zone};
use crate::urls::{append_query, is_absolute_http_url};

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

    fn title(&self) -> String {
        format!("Payment — {}", esc(&self.organization))
    }
}

fn not_found_page() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Checkout link not found",
        "<h1>Checkout link not found</h1>\n<p class=\"message\">This checkout link isn't valid. Go back to the studio's page and start again.</p>",
    )
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
            Unusable::NoSuchPurchase => not_found_page(),
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
    let money = |c: i64| esc(&format_money(c, &p.currency));
    let every = match (p.kind, v.period) {
        (PurchaseType::Subscription, Some(f)) => format!(" every {}", f.as_str()),
        _ => String::new(),
    };
    let mut rows = format!(
        "<div><dt>Plan</dt><dd data-testid=\"plan\">{}</dd></div>\n\
         <div><dt>Price</dt><dd data-testid=\"amount\">{}{}</dd></div>\n",
        esc(&v.plan_name),
        money(p.amount),
        esc(&every)
    );
    if p.discount_amount > 0 || v.coupon_code.is_some() {
        rows += &format!(
            "<div><dt>Discount{}</dt><dd data-testid=\"discount\">−{}</dd></div>\n",
            v.coupon_code
                .as_deref()
                .map(|c| format!(" ({})", esc(c)))
                .unwrap_or_default(),
            money(p.discount_amount)
        );
    }
    if let Some(d) = p.service_activation_date {
        rows += &format!(
            "<div><dt>Starts</dt><dd data-testid=\"activation\">{}</dd></div>\n",
            format_date(d)
        );
    }
    if let Some(d) = p.end_date {
        rows += &format!(
            "<div><dt>Ends</dt><dd data-testid=\"end-date\">{}</dd></div>\n",
            format_date(d)
        );
    }
    rows += &format!(
        "<div><dt>First charge</dt><dd data-testid=\"first-charge\">{}</dd></div>\n\
         <div class=\"total\"><dt>Amount due</dt><dd data-testid=\"total\">{}</dd></div>\n",
        format_date(p.first_charge_date),
        money(p.amount_due)
    );
    let action = append_query(
        &format!("/checkout/{}", p.id),
        &[("return_url", &v.return_url)],
    );
    let body = format!(
        r#"<p class="studio">{org}</p>
<h1>Complete your purchase</h1>
<p class="note">Uelz sandbox checkout: no real payment is taken.</p>
<dl data-testid="summary">
{rows}</dl>
<p class="hold" data-testid="held-until">Checkout open until <time datetime="{expires_iso}">{expires_clock}</time>
(<strong data-countdown data-expires="{expires_iso}">--:--</strong> left).</p>
<p class="lapsed-note" data-testid="lapsed-live" hidden>This checkout has now lapsed. <a href="{back}">Back to {org}</a></p>
<form method="post" action="{action}">
<button type="submit" class="pay" data-testid="pay" name="action" value="pay">Pay {total}</button>
<button type="submit" class="cancel" data-testid="cancel" name="action" value="cancel">Cancel</button>
</form>
<p class="who">Buying as {customer}. Purchase {id}.</p>
{countdown}"#,
        org = esc(&v.organization),
        expires_iso = esc(&format_utc(v.expires_at)),
        expires_clock = esc(&clock_local(Zone::UTC, v.expires_at)),
        back = esc(&v.return_url),
        action = esc(&action),
        total = money(p.amount_due),
        customer = esc(&v.customer),
        id = esc(&p.id),
        countdown = COUNTDOWN_SCRIPT,
    );
    html(status, &v.title(), &body)
}

fn lapsed_page(v: &View) -> Response {
    let body = format!(
        "<p class=\"studio\">{org}</p>\n<h1>Checkout lapsed</h1>\n\
         <p class=\"message warn\" data-testid=\"lapsed\">This checkout has lapsed: it was open until {until}. \
         Nothing was charged. Go back and start again.</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {org}</a></p>",
        org = esc(&v.organization),
        until = esc(&clock_local(Zone::UTC, v.expires_at)),
        back = esc(&v.return_url),
    );
    html(StatusCode::GONE, &v.title(), &body)
}

fn done_page(v: &View, outcome: &str) -> Response {
    let (heading, text) = if outcome == "paid" {
        (
            "Payment received",
            format!("Thank you: your {} is confirmed.", v.plan_name),
        )
    } else {
        (
            "Purchase cancelled",
            "You cancelled this purchase. Nothing was charged.".to_string(),
        )
    };
    let body = format!(
        "<p class=\"studio\">{org}</p>\n<h1>{heading}</h1>\n\
         <p class=\"message\" data-testid=\"done\" data-outcome=\"{outcome}\" data-status=\"{status}\">{text}</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {org}</a></p>",
        org = esc(&v.organization),
        status = v.purchase.status.as_str(),
        text = esc(&text),
        back = esc(&v.return_url),
    );
    html(StatusCode::OK, &v.title(), &body)
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
