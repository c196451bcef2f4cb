//! The hosted payment page behind `next_url`: `GET /pay/<token>` shows the offer, `POST` pays or
//! cancels and sends the person back (303) to `return_to` exactly as given. TeamUp documents
//! nothing it adds to `return_to`, so nothing is added: the widget learns the outcome from the
//! API (`GET /customer_memberships`, `GET /attendances`), never from the address.
//! Also the public event page that events' `customer_url` points at.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use time::OffsetDateTime;

use crate::api::memberships::{duration_description, price_with_period};
use crate::data::{MembershipType, ProfileType, Provider, StudioData};
use crate::hosted_page::{self, html, see_other, Offer, Row, Wording};
use crate::html::esc;
use crate::money::format_amount;
use crate::state::{Purchase, PurchaseStatus, Sandbox};
use crate::times::{clock_local, short_local};

const WORDING: Wording = Wording {
    thing: "offer",
    held: "held",
    note: "Sandbox payment page: no real payment is taken.",
    again: " to get a fresh offer",
    purchase: "Purchase #",
    link: "payment link",
};

pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/pay/{token}", get(show).post(act))
        .route("/p/{provider}/events/{id}", get(event_page))
}

/// Everything a page about one purchase shows, gathered under the lock.
struct View {
    id: u64,
    token: String,
    status: PurchaseStatus,
    return_to: String,
    expires_at: OffsetDateTime,
    provider: Provider,
    membership: String,
    /// (price_with_period, duration_description)
    plan: Option<(String, String)>,
    lines: Vec<(String, String)>,
    total: f64,
    booking: Option<String>,
    customer: String,
}

fn view(p: &Purchase, data: &StudioData) -> Option<View> {
    let provider = data.provider(p.provider)?.clone();
    let currency = &provider.currency;
    let zone = provider.zone();
    let m = data.membership(p.membership)?;
    let plan = p.payment_plan.and_then(|id| data.plan(id));
    let mut lines = Vec::new();
    let mut total = 0.0;
    match (m.kind, plan) {
        (MembershipType::RecurringPlan, Some(plan)) => {
            lines.push((
                "First payment".to_string(),
                format_amount(plan.price, currency),
            ));
            total += plan.price;
            if let Some(fee) = &plan.joining_fee {
                lines.push((
                    "Joining fee".to_string(),
                    format_amount(fee.amount, currency),
                ));
                total += fee.amount;
            }
        }
        _ => {
            lines.push(("Price".to_string(), format_amount(m.price, currency)));
            total += m.price;
        }
    }
    if m.one_time_fee > 0.0 {
        lines.push((
            "One-time fee".to_string(),
            format_amount(m.one_time_fee, currency),
        ));
        total += m.one_time_fee;
    }
    let booking = if let Some(e) = p.event.and_then(|id| data.event(id)) {
        let place = e
            .venue_room
            .and_then(|r| data.room(e.venue, r))
            .map(|r| r.name.clone());
        Some(join(&[
            Some(e.name.clone()),
            Some(short_local(zone, e.starts_at)),
            place,
        ]))
    } else if let Some(s) = p.appointment_slot.as_deref().and_then(|id| data.slot(id)) {
        let what = data
            .offering_type(s.offering_type)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "Appointment".into());
        let with = data
            .instructor(s.instructor)
            .map(|i| format!("{what} with {}", i.name))
            .unwrap_or(what);
        let place = s
            .venue_room
            .and_then(|r| data.room(s.venue, r))
            .map(|r| r.name.clone());
        Some(join(&[
            Some(with),
            Some(short_local(zone, s.starts_at)),
            place,
        ]))
    } else {
        None
    };
    let customer = data
        .profile(p.customer, ProfileType::Customer)
        .map(|(u, _)| format!("{} (customer {})", u.name(), p.customer))
        .unwrap_or_else(|| format!("customer {}", p.customer));
    Some(View {
        id: p.id,
        token: p.token.clone(),
        status: p.status,
        return_to: p.return_to.clone(),
        expires_at: p.expires_at,
        membership: m.name.clone(),
        plan: plan.map(|pl| (price_with_period(pl, currency), duration_description(pl))),
        lines,
        total,
        booking,
        customer,
        provider,
    })
}

fn join(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn not_found_page() -> Response {
    hosted_page::not_found_page(&WORDING)
}

/// Where the customer goes back to: `return_to`, unchanged.
fn back_url(v: &View) -> &str {
    &v.return_to
}

fn offer_page(v: &View) -> Response {
    let mut rows = vec![Row::new("Membership", &v.membership).id("membership")];
    if let Some((pwp, desc)) = &v.plan {
        rows.push(Row::new("Payment plan", pwp).id("plan").detail(desc));
    }
    if let Some(b) = &v.booking {
        rows.push(Row::new("Booking", b).id("booking"));
    }
    rows.extend(v.lines.iter().map(|(label, amount)| Row::new(label, amount)));
    let total = format_amount(v.total, &v.provider.currency);
    rows.push(Row::total("Total due today", &total));
    let offer = Offer {
        studio: &v.provider.name,
        rows,
        expires_at: v.expires_at,
        zone: v.provider.zone(),
        back: &v.return_to,
        action: &format!("/pay/{}", v.token),
        total: &total,
        customer: &v.customer,
        id: &v.id.to_string(),
    };
    hosted_page::offer_page(&WORDING, &offer, StatusCode::OK)
}

fn lapsed_page(v: &View) -> Response {
    let until = clock_local(v.provider.zone(), v.expires_at);
    hosted_page::lapsed_page(&WORDING, &v.provider.name, &until, &v.return_to)
}

fn done_page(v: &View) -> Response {
    let outcome = v.status.as_str();
    hosted_page::done_page(&v.provider.name, outcome, None, &v.membership, back_url(v))
}

async fn show(State(sb): State<Sandbox>, Path(token): Path<String>) -> Response {
    let now = OffsetDateTime::now_utc();
    let v = {
        let state = sb.lock();
        state
            .purchase_by_token(&token)
            .and_then(|p| view(p, &state.data))
    };
    let Some(v) = v else { return not_found_page() };
    match v.status {
        PurchaseStatus::Pending if now >= v.expires_at => lapsed_page(&v),
        PurchaseStatus::Pending => offer_page(&v),
        _ => done_page(&v),
    }
}

async fn act(State(sb): State<Sandbox>, Path(token): Path<String>, body: Bytes) -> Response {
    let now = OffsetDateTime::now_utc();
    let action = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "action")
        .map(|(_, v)| v.into_owned())
        .last();
    let mut state = sb.lock();
    let Some(v) = state
        .purchase_by_token(&token)
        .and_then(|p| view(p, &state.data))
    else {
        return not_found_page();
    };
    if v.status != PurchaseStatus::Pending {
        // A repeated submit (double click, back button) lands where the first one did.
        return see_other(back_url(&v));
    }
    if now >= v.expires_at {
        return lapsed_page(&v);
    }
    let outcome = match action.as_deref() {
        Some("pay") => PurchaseStatus::Paid,
        Some("cancel") => PurchaseStatus::Cancelled,
        _ => {
            drop(state);
            let mut resp = offer_page(&v);
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            return resp;
        }
    };
    state.complete(&token, outcome);
    see_other(back_url(&v))
}

/// Where events' `customer_url` points: a plain public page for the class.
async fn event_page(
    State(sb): State<Sandbox>,
    Path((provider, id)): Path<(String, String)>,
) -> Response {
    let state = sb.lock();
    let found = match (provider.parse::<u64>(), id.parse::<u64>()) {
        (Ok(p), Ok(id)) => state
            .data
            .event(id)
            .filter(|e| e.provider == p)
            .and_then(|e| Some((e, state.data.provider(p)?))),
        _ => None,
    };
    let Some((e, prov)) = found else {
        return html(
            StatusCode::NOT_FOUND,
            "Class not found",
            "<h1>Class not found</h1>",
        );
    };
    let zone = prov.zone();
    let room = e
        .venue_room
        .and_then(|r| state.data.room(e.venue, r))
        .map(|r| r.name.clone());
    let venue = state.data.venue(e.venue).map(|v| v.name.clone());
    let spaces = match e.max_occupancy {
        Some(n) if n > 0 => {
            if e.is_full() {
                "Full".to_string()
            } else {
                format!("{} of {n} places left", n - e.attending_count)
            }
        }
        _ => "Open".to_string(),
    };
    let status = if e.status == crate::data::EventStatus::Cancelled {
        " (cancelled)"
    } else {
        ""
    };
    let body = format!(
        "<p class=\"studio\">{studio}</p>\n<h1>{name}{status}</h1>\n<p>{desc}</p>\n<dl>\n\
         <div><dt>When</dt><dd>{when}</dd></div>\n<div><dt>Where</dt><dd>{place}</dd></div>\n\
         <div><dt>Places</dt><dd>{spaces}</dd></div>\n</dl>",
        studio = esc(&prov.name),
        name = esc(&e.name),
        desc = esc(&e.description),
        when = esc(&short_local(zone, e.starts_at)),
        place = esc(&join(&[room, venue])),
        spaces = esc(&spaces),
    );
    html(
        StatusCode::OK,
        &format!("{} — {}", esc(&e.name), esc(&prov.name)),
        &body,
    )
}
