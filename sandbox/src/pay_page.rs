//! The hosted payment page behind `next_url`: `GET /pay/<token>` shows the offer, `POST` pays or
//! cancels and sends the person back (303) to `return_to` exactly as given. TeamUp documents
//! nothing it adds to `return_to`, so nothing is added: the widget learns the outcome from the
//! API (`GET /customer_memberships`, `GET /attendances`), never from the address.
//! Also the public event page that events' `customer_url` points at.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use time::OffsetDateTime;

use crate::api::memberships::{duration_description, price_with_period};
use crate::data::{MembershipType, ProfileType, Provider, StudioData};
use crate::html::{esc, page};
use crate::money::format_amount;
use crate::state::{Purchase, PurchaseStatus, Sandbox};
use crate::times::{clock_local, format_utc, short_local};

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

pub(crate) fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let mut resp = (status, Html(page(title, body))).into_response();
    // A payment page must never be served from cache after it has been paid or has lapsed.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn title(v: &View) -> String {
    format!("Payment — {}", esc(&v.provider.name))
}

fn not_found_page() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Payment link not found",
        "<h1>Payment link not found</h1>\n<p class=\"message\">This payment link isn't valid. Go back to the studio's page and start again.</p>",
    )
}

/// Where the customer goes back to: `return_to`, unchanged.
fn back_url(v: &View) -> &str {
    &v.return_to
}

fn offer_page(v: &View) -> Response {
    let zone = v.provider.zone();
    let mut rows = format!(
        "<div><dt>Membership</dt><dd data-testid=\"membership\">{}</dd></div>\n",
        esc(&v.membership)
    );
    if let Some((pwp, desc)) = &v.plan {
        rows += &format!(
            "<div><dt>Payment plan</dt><dd data-testid=\"plan\">{}<small>{}</small></dd></div>\n",
            esc(pwp),
            esc(desc)
        );
    }
    if let Some(b) = &v.booking {
        rows += &format!(
            "<div><dt>Booking</dt><dd data-testid=\"booking\">{}</dd></div>\n",
            esc(b)
        );
    }
    for (label, amount) in &v.lines {
        rows += &format!(
            "<div><dt>{}</dt><dd>{}</dd></div>\n",
            esc(label),
            esc(amount)
        );
    }
    let total = format_amount(v.total, &v.provider.currency);
    rows += &format!(
        "<div class=\"total\"><dt>Total due today</dt><dd data-testid=\"total\">{}</dd></div>\n",
        esc(&total)
    );
    let body = format!(
        r#"<p class="studio">{studio}</p>
<h1>Complete your purchase</h1>
<p class="note">Sandbox payment page: no real payment is taken.</p>
<dl data-testid="summary">
{rows}</dl>
<p class="hold" data-testid="held-until">Offer held until <time datetime="{expires_iso}">{expires_local}</time>
(<strong data-countdown data-expires="{expires_iso}">--:--</strong> left).</p>
<p class="lapsed-note" data-testid="lapsed-live" hidden>This offer has now lapsed. <a href="{back}">Back to {studio}</a></p>
<form method="post" action="/pay/{token}">
<button type="submit" class="pay" data-testid="pay" name="action" value="pay">Pay {total}</button>
<button type="submit" class="cancel" data-testid="cancel" name="action" value="cancel">Cancel</button>
</form>
<p class="who">Buying as {customer}. Purchase #{id}.</p>
{countdown}"#,
        studio = esc(&v.provider.name),
        expires_iso = esc(&format_utc(v.expires_at)),
        expires_local = esc(&clock_local(zone, v.expires_at)),
        back = esc(&v.return_to),
        token = esc(&v.token),
        total = esc(&total),
        customer = esc(&v.customer),
        id = v.id,
        countdown = COUNTDOWN_SCRIPT,
    );
    html(StatusCode::OK, &title(v), &body)
}

/// Counts `[data-countdown][data-expires]` down to zero, then marks `[data-testid=held-until]`
/// lapsed, shows `[data-testid=lapsed-live]` and disables the form's buttons.
pub(crate) const COUNTDOWN_SCRIPT: &str = r#"<script>
(function () {
  var el = document.querySelector('[data-countdown]');
  var end = Date.parse(el.getAttribute('data-expires'));
  var timer;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
    if (left === 0) {
      clearInterval(timer);
      document.querySelector('[data-testid=held-until]').classList.add('lapsed');
      document.querySelector('[data-testid=lapsed-live]').hidden = false;
      document.querySelectorAll('form button').forEach(function (b) { b.disabled = true; });
    }
  }
  timer = setInterval(tick, 1000);
  tick();
})();
</script>"#;

fn lapsed_page(v: &View) -> Response {
    let body = format!(
        "<p class=\"studio\">{studio}</p>\n<h1>Offer lapsed</h1>\n\
         <p class=\"message warn\" data-testid=\"lapsed\">This offer has lapsed: it was held until {until}. \
         Nothing was charged. Go back and start again to get a fresh offer.</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {studio}</a></p>",
        studio = esc(&v.provider.name),
        until = esc(&clock_local(v.provider.zone(), v.expires_at)),
        back = esc(&v.return_to),
    );
    html(StatusCode::GONE, &title(v), &body)
}

fn done_page(v: &View) -> Response {
    let (heading, text) = match v.status {
        PurchaseStatus::Paid => (
            "Payment received",
            format!("Thank you: your {} is confirmed.", v.membership),
        ),
        _ => (
            "Purchase cancelled",
            "You cancelled this purchase. Nothing was charged.".to_string(),
        ),
    };
    let body = format!(
        "<p class=\"studio\">{studio}</p>\n<h1>{heading}</h1>\n\
         <p class=\"message\" data-testid=\"done\" data-outcome=\"{outcome}\">{text}</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {studio}</a></p>",
        studio = esc(&v.provider.name),
        outcome = v.status.as_str(),
        text = esc(&text),
        back = esc(back_url(v)),
    );
    html(StatusCode::OK, &title(v), &body)
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

/// Location headers carry only visible ASCII, so non-ASCII characters are percent-encoded.
pub(crate) fn see_other(url: &str) -> Response {
    let mut ascii = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                ascii.push_str(&format!("%{b:02X}"));
            }
        }
    }
    match HeaderValue::from_str(&ascii) {
        Ok(loc) => (StatusCode::SEE_OTHER, [(header::LOCATION, loc)]).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "return_to cannot be used as a redirect",
        )
            .into_response(),
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
