//! The pure parts: plan mapping, coupon checks and arithmetic, purchase validation, dates and
//! how Uelz refusals become the widget's errors. No I/O here, so all of it is unit tested.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration as TimeDuration, OffsetDateTime};
use url::Url;

use crate::error::{ApiError, FieldErrors, UPSTREAM_UNAVAILABLE, UPSTREAM_UNAVAILABLE_PURCHASE};
use crate::money::{exponent, fixed_discount, format_minor, percent_discount, percent_to_bp, to_minor};
use crate::uelz::{Coupon, Plan, UpstreamError};

// ---------------------------------------------------------------------------------------------
// Plans

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub unit: String,
}

/// A plan as the widget sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WidgetPlan {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: &'static str,
    pub price: Money,
    pub period: Option<Period>,
    pub billing_cycles: Option<u32>,
    pub trial_days: u32,
    pub needs_activation_date: bool,
    pub term_days: Option<u32>,
}

/// The plan's price in minor units, if its amount reads.
pub fn plan_price_minor(plan: &Plan) -> Option<i64> {
    to_minor(&plan.plan_amount.0, exponent(&plan.currency()))
}

/// `None` for a plan whose price can't be read (it is left out rather than shown wrong).
pub fn widget_plan(plan: &Plan) -> Option<WidgetPlan> {
    let currency = plan.currency();
    let price = plan_price_minor(plan)?;
    let one_off = plan.plan_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("one_time"));
    let period = if one_off {
        None
    } else {
        plan.frequency
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| Period { unit: f.to_ascii_lowercase() })
    };
    Some(WidgetPlan {
        id: plan.id.clone(),
        name: plan.plan_name.clone().unwrap_or_default(),
        description: plan.plan_description.clone().unwrap_or_default(),
        kind: if one_off { "one_off" } else { "recurring" },
        price: Money { amount: format_minor(price, exponent(&currency)), currency },
        period,
        billing_cycles: plan.billing_cycles,
        trial_days: plan.trial_days.unwrap_or(0),
        needs_activation_date: plan.has_service_activation_date,
        term_days: plan.term_days(),
    })
}

/// Plan ids are opaque cuid-like strings; anything else is not sent upstream.
pub fn plausible_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

// ---------------------------------------------------------------------------------------------
// Coupons

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponRefusal {
    NotFound,
    Expired,
    NotApplicable,
}

impl CouponRefusal {
    pub fn message(self) -> &'static str {
        match self {
            CouponRefusal::NotFound => "This code isn't valid.",
            CouponRefusal::Expired => "This code has expired.",
            CouponRefusal::NotApplicable => "This code can't be used with this plan.",
        }
    }

    /// The coupon route's own answer.
    pub fn lookup_error(self) -> ApiError {
        let (status, code) = match self {
            CouponRefusal::NotFound => (StatusCode::NOT_FOUND, "coupon_not_found"),
            CouponRefusal::Expired => (StatusCode::UNPROCESSABLE_ENTITY, "coupon_expired"),
            CouponRefusal::NotApplicable => (StatusCode::UNPROCESSABLE_ENTITY, "coupon_not_applicable"),
        };
        ApiError::new(status, code, self.message()).with_field("coupon_code", self.message())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priced {
    pub coupon_id: String,
    pub discount: i64,
    pub total: i64,
}

/// A `YYYY-MM-DD` date, or the date part of an RFC 3339 date-time.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let day = s.get(..10)?;
    if s.len() > 10 && !s[10..].starts_with('T') && !s[10..].starts_with(' ') {
        return None;
    }
    Date::parse(day, format_description!("[year]-[month]-[day]")).ok()
}

pub fn format_date(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]")).expect("date formats")
}

/// Checks a coupon against a plan on `today` (UTC) and prices it.
pub fn apply_coupon(coupon: Option<&Coupon>, plan: &Plan, today: Date) -> Result<Priced, CouponRefusal> {
    let coupon = coupon.ok_or(CouponRefusal::NotFound)?;
    if !coupon.active {
        return Err(CouponRefusal::NotFound);
    }
    if let Some(until) = coupon.valid_until.as_deref().filter(|s| !s.trim().is_empty()) {
        // Valid through that day; an unreadable date is left for Uelz to judge at purchase.
        if parse_date(until).is_some_and(|d| d < today) {
            return Err(CouponRefusal::Expired);
        }
    }
    if let Some(plans) = &coupon.plans {
        if !plans.iter().any(|p| p == &plan.id) {
            return Err(CouponRefusal::NotApplicable);
        }
    }
    let currency = plan.currency();
    let exp = exponent(&currency);
    let price = plan_price_minor(plan).ok_or(CouponRefusal::NotApplicable)?;
    let discount = match coupon.discount_type.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("percentage") | Some("percent") => {
            let bp = coupon.percent_off.as_ref().and_then(|p| percent_to_bp(&p.0)).ok_or(CouponRefusal::NotApplicable)?;
            percent_discount(price, bp)
        }
        Some("fixed_amount") | Some("fixed") | Some("amount") => {
            let coupon_currency = coupon.currency.as_deref().map(|c| c.trim().to_ascii_uppercase());
            // A fixed amount in another currency can't be applied (Uelz converts nothing).
            if coupon_currency.is_some_and(|c| c != currency) {
                return Err(CouponRefusal::NotApplicable);
            }
            let off = coupon.amount_off.as_ref().and_then(|a| to_minor(&a.0, exp)).ok_or(CouponRefusal::NotApplicable)?;
            fixed_discount(price, off)
        }
        _ => return Err(CouponRefusal::NotApplicable),
    };
    Ok(Priced { coupon_id: coupon.id.clone(), discount, total: price - discount })
}

// ---------------------------------------------------------------------------------------------
// Purchases

/// Who buys. Only the studio's signature selects an existing Uelz customer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CustomerRef {
    /// A customer id from a token the studio's server signed (already verified).
    Signed(String),
    /// Anyone else: a new Uelz customer, made once per checkout attempt.
    Guest { email: String, name: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PurchaseRequest {
    pub plan: String,
    pub external_id: String,
    pub coupon_code: Option<String>,
    pub service_activation_date: Option<Date>,
    pub customer: CustomerRef,
    pub return_to: String,
    /// A payment method token the studio's own card form created (passed on as is).
    pub payment_method: Option<String>,
}

impl PurchaseRequest {
    /// Everything that makes two requests with one `external_id` the same purchase.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

/// A checkout attempt's key: 8–64 letters, digits, `_` or `-` (the widget sends a UUID).
pub fn plausible_external_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Why a purchase request is refused before anything is asked of Uelz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The customer identity isn't the studio's (403, nothing else is looked at).
    Identity(crate::identity::Refusal),
    Fields(FieldErrors),
}

/// The external customer id a guest buyer's Uelz customer gets: one per checkout attempt, so a
/// retry finds the customer the first try made instead of making another.
pub fn guest_customer_key(external_id: &str) -> String {
    format!("checkout-{external_id}")
}

const REQUIRED: &str = "This field is required.";

/// A payment method token: 1–255 of letters, digits and `_-.:` (Uelz: "token representing the
/// customer's payment method, usually created in external checkout").
pub fn plausible_payment_method(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
}

/// Checks the widget's body against everything that can be known without Uelz. `verify` turns
/// a customer token into the customer id it was signed for; `today` is the studio's date.
pub fn validate_purchase(
    body: &Map<String, Value>,
    allowed_origins: &[String],
    today: Date,
    verify: &dyn Fn(&str) -> Result<String, crate::identity::Refusal>,
) -> Result<PurchaseRequest, Invalid> {
    // The identity first: a forged or unsigned one is refused whatever else the body holds.
    let signed = match body.get("customer") {
        Some(Value::Object(c)) => match c.get("token") {
            Some(Value::String(t)) if !t.trim().is_empty() => Some(verify(t).map_err(Invalid::Identity)?),
            Some(Value::Null) | None => match c.get("id") {
                None | Some(Value::Null) => None,
                Some(_) => return Err(Invalid::Identity(crate::identity::Refusal::Unsigned)),
            },
            Some(_) => return Err(Invalid::Identity(crate::identity::Refusal::Malformed)),
        },
        _ => None,
    };
    validate_fields(body, allowed_origins, today, signed).map_err(Invalid::Fields)
}

fn validate_fields(
    body: &Map<String, Value>,
    allowed_origins: &[String],
    today: Date,
    signed: Option<String>,
) -> Result<PurchaseRequest, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut add = |f: &str, m: &str| errors.entry(f.to_string()).or_default().push(m.to_string());

    // A string field: Ok(None) when absent, null or blank.
    fn text(body: &Map<String, Value>, key: &str) -> Result<Option<String>, &'static str> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err("Must be a string."),
        }
    }

    let plan = match text(body, "plan") {
        Ok(Some(p)) if plausible_id(&p) => Some(p),
        Ok(Some(_)) => {
            add("plan", "Unknown plan.");
            None
        }
        Ok(None) => {
            add("plan", REQUIRED);
            None
        }
        Err(m) => {
            add("plan", m);
            None
        }
    };

    let external_id = match text(body, "external_id") {
        Ok(Some(id)) if plausible_external_id(&id) => Some(id),
        Ok(Some(_)) => {
            add("external_id", "Must be 8 to 64 letters, digits, '_' or '-'.");
            None
        }
        Ok(None) => {
            add("external_id", REQUIRED);
            None
        }
        Err(m) => {
            add("external_id", m);
            None
        }
    };

    let coupon_code = match text(body, "coupon_code") {
        Ok(Some(c)) if c.chars().count() > 64 || c.chars().any(char::is_control) => {
            add("coupon_code", CouponRefusal::NotFound.message());
            None
        }
        Ok(c) => c,
        Err(m) => {
            add("coupon_code", m);
            None
        }
    };

    let service_activation_date = match text(body, "service_activation_date") {
        Ok(Some(s)) => match (s.len() == 10).then(|| parse_date(&s)).flatten() {
            Some(d) if d < today => {
                add("service_activation_date", "The activation date can't be in the past.");
                None
            }
            Some(d) => Some(d),
            None => {
                add("service_activation_date", "Use a date like 2026-05-01.");
                None
            }
        },
        Ok(None) => None,
        Err(m) => {
            add("service_activation_date", m);
            None
        }
    };

    let customer = match body.get("customer") {
        _ if signed.is_some() => signed.map(CustomerRef::Signed),
        Some(Value::Object(c)) => {
            let email = match text(c, "email") {
                Ok(Some(e)) if plausible_email(&e) => Some(e),
                Ok(Some(_)) | Err(_) => {
                    add("email", "Enter a valid email address.");
                    None
                }
                Ok(None) => {
                    add("email", REQUIRED);
                    None
                }
            };
            let name = match text(c, "name") {
                Ok(Some(n)) if n.chars().count() <= 200 && !n.chars().any(char::is_control) => Some(n),
                Ok(Some(_)) | Err(_) => {
                    add("name", "Enter your name (up to 200 characters).");
                    None
                }
                Ok(None) => {
                    add("name", REQUIRED);
                    None
                }
            };
            email.zip(name).map(|(email, name)| CustomerRef::Guest { email, name })
        }
        None | Some(Value::Null) => {
            add("customer", REQUIRED);
            None
        }
        Some(_) => {
            add("customer", "Must be {\"token\"} or {\"email\", \"name\"}.");
            None
        }
    };

    let payment_method = match text(body, "payment_method") {
        Ok(Some(p)) if plausible_payment_method(&p) => Some(p),
        Ok(Some(_)) => {
            add("payment_method", "Must be a payment method token (letters, digits, _ - . :, at most 255).");
            None
        }
        Ok(None) => None,
        Err(m) => {
            add("payment_method", m);
            None
        }
    };

    let return_to = match text(body, "return_to") {
        Ok(Some(r)) => match check_return_to(&r, allowed_origins) {
            Ok(()) => Some(r),
            Err(m) => {
                add("return_to", m);
                None
            }
        },
        Ok(None) => {
            add("return_to", REQUIRED);
            None
        }
        Err(m) => {
            add("return_to", m);
            None
        }
    };

    match (plan, external_id, customer, return_to) {
        (Some(plan), Some(external_id), Some(customer), Some(return_to)) if errors.is_empty() => Ok(PurchaseRequest {
            plan,
            external_id,
            coupon_code,
            service_activation_date,
            customer,
            return_to,
            payment_method,
        }),
        _ => Err(errors),
    }
}

/// `a@b.c`-shaped, no spaces, at most 254 characters.
pub fn plausible_email(e: &str) -> bool {
    if e.len() > 254 || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = e.rsplit_once('@') else { return false };
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Absolute http(s), at most 2000 characters, on an allowed origin.
pub fn check_return_to(r: &str, allowed_origins: &[String]) -> Result<(), &'static str> {
    if r.len() > 2000 {
        return Err("Must be at most 2000 characters.");
    }
    let url = Url::parse(r).map_err(|_| "Must be an absolute http(s) URL.")?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("Must be an absolute http(s) URL.");
    }
    let origin = url.origin().ascii_serialization();
    if !allowed_origins.contains(&origin) {
        return Err("Must be a page on this studio's site.");
    }
    Ok(())
}

/// Plan-dependent checks once the plan is known.
#[allow(clippy::result_large_err)]
pub fn check_against_plan(req: &PurchaseRequest, plan: &Plan) -> Result<(), ApiError> {
    if !plan.is_active() {
        return Err(ApiError::invalid_field("plan", "This plan is not for sale."));
    }
    if req.service_activation_date.is_some() && !plan.has_service_activation_date {
        return Err(ApiError::invalid_field(
            "service_activation_date",
            "This plan doesn't take an activation date.",
        ));
    }
    Ok(())
}

/// For a fixed-term plan (`metadata.term_days`): the activation date (or the attempt's first
/// day, in the studio's time zone) + term.
pub fn end_date(plan: &Plan, activation: Option<Date>, first_day: Date) -> Option<Date> {
    let days = plan.term_days()?;
    activation.unwrap_or(first_day).checked_add(TimeDuration::days(days as i64))
}

/// Whether `end_date` depends on the day the attempt was made (a fixed-term plan bought without
/// an activation date): then a retry must reuse the first try's day.
pub fn end_date_depends_on_today(plan: &Plan, req: &PurchaseRequest) -> bool {
    plan.term_days().is_some() && req.service_activation_date.is_none()
}

/// What the widget should tell the customer about a Uelz purchase status (Uelz's statuses:
/// `pending` = paid, starting on its activation date; `trialing`, `active`, `succeeded` (all
/// paid); `paused`; `past_due` (a charge is being retried); `unpaid`, `canceled`; and
/// `incomplete`, the sandbox's name for "not paid yet", ASSUMPTION).
pub fn outcome_of(status: &str) -> &'static str {
    match status.trim().to_ascii_lowercase().as_str() {
        "active" | "trialing" | "succeeded" | "pending" | "paused" => "active",
        "canceled" | "cancelled" | "unpaid" | "failed" | "expired" => "failed",
        // incomplete, past_due, and anything new: not settled yet, keep asking.
        _ => "pending",
    }
}

/// The Uelz `POST /purchases` body: every field the Uelz reference names that the gateway has a
/// value for (`plan`, `customer`, `currency`, `external_id`, `coupon`, `billing_configuration`,
/// `payment_method`, `service_activation_date`, `end_date`).
pub fn uelz_purchase_body(
    req: &PurchaseRequest,
    plan: &Plan,
    customer_id: &str,
    coupon_id: Option<&str>,
    billing_configuration: Option<&str>,
    end_date: Option<Date>,
) -> Value {
    let mut b = Map::new();
    b.insert("plan".into(), plan.id.clone().into());
    b.insert("customer".into(), customer_id.into());
    b.insert("currency".into(), plan.currency().into());
    b.insert("external_id".into(), req.external_id.clone().into());
    if let Some(c) = coupon_id {
        b.insert("coupon".into(), c.into());
    }
    if let Some(bc) = billing_configuration {
        b.insert("billing_configuration".into(), bc.into());
    }
    if let Some(pm) = &req.payment_method {
        b.insert("payment_method".into(), pm.clone().into());
    }
    if let Some(d) = req.service_activation_date {
        b.insert("service_activation_date".into(), format_date(d).into());
    }
    if let Some(d) = end_date {
        b.insert("end_date".into(), format_date(d).into());
    }
    Value::Object(b)
}

/// `<checkout>/<id>?return_url=<return_to>`.
pub fn next_url(checkout_url: &str, purchase_id: &str, return_to: &str) -> Option<String> {
    let mut url = Url::parse(checkout_url.trim()).ok()?;
    url.path_segments_mut().ok()?.pop_if_empty().push(purchase_id);
    url.query_pairs_mut().append_pair("return_url", return_to);
    Some(url.into())
}

/// `created_at` (RFC 3339; now when missing or unreadable) + lifetime, as `…T10:15:00.000Z`.
pub fn expires_at(created_at: Option<&str>, lifetime: std::time::Duration, now: OffsetDateTime) -> String {
    let created = created_at
        .and_then(|s| OffsetDateTime::parse(s.trim(), &Rfc3339).ok())
        .unwrap_or(now);
    let at = (created + lifetime).to_offset(time::UtcOffset::UTC);
    at.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .expect("timestamp formats")
}

// ---------------------------------------------------------------------------------------------
// Upstream errors

/// Where a Uelz 422 `field` of `POST /purchases` (or `POST /customers`) lands for the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldTarget {
    Widget(&'static str),
    /// The gateway's own configuration (merchant, billing configuration): not the customer's
    /// to fix.
    Config,
}

pub fn map_uelz_field(field: Option<&str>, merchant_param: &str, had_activation_date: bool) -> FieldTarget {
    let Some(field) = field else { return FieldTarget::Widget("non_field_errors") };
    match field {
        "plan" => FieldTarget::Widget("plan"),
        "customer" => FieldTarget::Widget("customer"),
        "email" => FieldTarget::Widget("email"),
        "name" => FieldTarget::Widget("name"),
        "coupon" | "coupon_code" => FieldTarget::Widget("coupon_code"),
        "external_id" => FieldTarget::Widget("external_id"),
        "service_activation_date" => FieldTarget::Widget("service_activation_date"),
        "payment_method" => FieldTarget::Widget("payment_method"),
        "end_date" if had_activation_date => FieldTarget::Widget("service_activation_date"),
        "billing_configuration" | "merchant_id" => FieldTarget::Config,
        f if f == merchant_param => FieldTarget::Config,
        _ => FieldTarget::Widget("non_field_errors"),
    }
}

/// How an upstream failure becomes the widget's error. `purchase` picks the 502 message that
/// promises no double charge (true only where `external_id` makes a retry safe).
pub fn upstream_to_api(
    e: UpstreamError,
    purchase: bool,
    merchant_param: &str,
    had_activation_date: bool,
    secrets: &[&str],
) -> ApiError {
    match e {
        UpstreamError::Unavailable(why) => ApiError::upstream_unavailable(if purchase {
            UPSTREAM_UNAVAILABLE_PURCHASE
        } else {
            UPSTREAM_UNAVAILABLE
        })
        .with_note(why),
        UpstreamError::Refused { status, error } => {
            let note = error.log_note(status);
            match status {
                401 | 403 => ApiError::upstream_misconfigured().with_note(note),
                409 => ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "This checkout was already started with different details. Start again.",
                )
                .with_note(note),
                400 | 422 => match map_uelz_field(error.field.as_deref(), merchant_param, had_activation_date) {
                    FieldTarget::Config => ApiError::upstream_misconfigured().with_note(note),
                    FieldTarget::Widget(field) => {
                        // Uelz's own words, unless they echo any part of a secret.
                        let msg = error
                            .message
                            .as_deref()
                            .filter(|m| !m.trim().is_empty() && !shares_secret_fragment(m, secrets))
                            .map(|m| m.chars().take(300).collect::<String>())
                            .unwrap_or_else(|| "This value was refused.".into());
                        if status == 400 && error.field.is_none() {
                            // Malformed request from us: our bug, not the customer's.
                            ApiError::upstream_error().with_note(note)
                        } else {
                            ApiError::invalid_field(field, msg).with_note(note)
                        }
                    }
                },
                _ => ApiError::upstream_error().with_note(note),
            }
        }
    }
}

/// Whether `text` contains any 8-character stretch of a secret (a secret echoed back whole,
/// cut short or inside other text).
pub fn shares_secret_fragment(text: &str, secrets: &[&str]) -> bool {
    const WINDOW: usize = 8;
    secrets.iter().any(|s| {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() < WINDOW {
            return !s.is_empty() && text.contains(*s);
        }
        chars.windows(WINDOW).any(|w| text.contains(&w.iter().collect::<String>()))
    })
}

/// Replaces every occurrence of a secret (of 4 characters or more) with `[redacted]`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(*s) {
            out = out.replace(*s, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uelz::UelzError;
    use serde_json::json;
    use time::macros::{date, datetime};

    const TODAY: Date = date!(2026 - 03 - 10);

    fn plan(v: Value) -> Plan {
        serde_json::from_value(v).unwrap()
    }

    fn monthly() -> Plan {
        plan(json!({"id":"clpl0month1yun11m1ted00002","plan_name":"Monthly unlimited","plan_description":"All classes",
            "plan_type":"subscription","plan_amount":59.0,"plan_currency":"EUR","frequency":"month","billing_cycles":null,
            "payment_day":null,"has_service_activation_date":false,"trial_days":0,"status":"active","metadata":{}}))
    }

    fn summer() -> Plan {
        plan(json!({"id":"clpl0summerpass12wk000005","plan_name":"Summer pass","plan_type":"subscription","plan_amount":15.0,
            "plan_currency":"EUR","frequency":"week","billing_cycles":null,"has_service_activation_date":true,"trial_days":0,
            "status":"active","metadata":{"term_days":"84"}}))
    }

    fn coupon(v: Value) -> Coupon {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn plans_map_to_the_widget_shape() {
        let p = widget_plan(&monthly()).unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"id":"clpl0month1yun11m1ted00002","name":"Monthly unlimited","description":"All classes","kind":"recurring",
                   "price":{"amount":"59.00","currency":"EUR"},"period":{"unit":"month"},"billing_cycles":null,
                   "trial_days":0,"needs_activation_date":false,"term_days":null})
        );
        let card = plan(json!({"id":"c","plan_name":"10-class card","plan_type":"one_time","plan_amount":120,
            "plan_currency":"EUR","frequency":null,"status":"active"}));
        let p = widget_plan(&card).unwrap();
        assert_eq!((p.kind, p.period, p.price.amount.as_str()), ("one_off", None, "120.00"));
        assert_eq!(widget_plan(&summer()).unwrap().term_days, Some(84));
        let broken = plan(json!({"id":"x","plan_amount":"abc"}));
        assert!(widget_plan(&broken).is_none());
    }

    #[test]
    fn coupons_are_checked_and_priced_exactly() {
        let welcome = coupon(json!({"id":"co1","code":"WELCOME10","name":"Welcome","discount_type":"percentage",
            "percent_off":10,"amount_off":null,"currency":null,"valid_until":null,"plans":null,"active":true}));
        assert_eq!(
            apply_coupon(Some(&welcome), &monthly(), TODAY),
            Ok(Priced { coupon_id: "co1".into(), discount: 590, total: 5310 })
        );
        let five = coupon(json!({"id":"co2","code":"FIVEOFF","discount_type":"fixed_amount","percent_off":null,
            "amount_off":5.0,"currency":"EUR","valid_until":null,"plans":null,"active":true}));
        assert_eq!(apply_coupon(Some(&five), &monthly(), TODAY).unwrap().total, 5400);
        // Never below zero.
        let big = coupon(json!({"id":"co3","discount_type":"fixed_amount","amount_off":500,"currency":"EUR"}));
        assert_eq!(
            apply_coupon(Some(&big), &summer(), TODAY),
            Ok(Priced { coupon_id: "co3".into(), discount: 1500, total: 0 })
        );
        // Currency of a fixed amount must match.
        let mut usd_plan = monthly();
        usd_plan.plan_currency = Some("USD".into());
        assert_eq!(apply_coupon(Some(&five), &usd_plan, TODAY), Err(CouponRefusal::NotApplicable));
        // A percentage works in any currency.
        assert!(apply_coupon(Some(&welcome), &usd_plan, TODAY).is_ok());
        // Expiry: valid through the day.
        let mut c = welcome.clone();
        c.valid_until = Some("2026-03-10".into());
        assert!(apply_coupon(Some(&c), &monthly(), TODAY).is_ok());
        c.valid_until = Some("2026-03-09".into());
        assert_eq!(apply_coupon(Some(&c), &monthly(), TODAY), Err(CouponRefusal::Expired));
        // Plan restriction.
        let mut c = five.clone();
        c.plans = Some(vec!["clpl0annua1un11m1ted000003".into()]);
        assert_eq!(apply_coupon(Some(&c), &monthly(), TODAY), Err(CouponRefusal::NotApplicable));
        c.plans = Some(vec!["clpl0month1yun11m1ted00002".into()]);
        assert!(apply_coupon(Some(&c), &monthly(), TODAY).is_ok());
        // Inactive or missing.
        let mut c = welcome.clone();
        c.active = false;
        assert_eq!(apply_coupon(Some(&c), &monthly(), TODAY), Err(CouponRefusal::NotFound));
        assert_eq!(apply_coupon(None, &monthly(), TODAY), Err(CouponRefusal::NotFound));
        // Odd percentages round half up on exact integers.
        let mut c = welcome.clone();
        c.percent_off = Some(crate::money::Decimal("12.5".into()));
        let mut cheap = monthly();
        cheap.plan_amount = crate::money::Decimal("0.99".into());
        assert_eq!(apply_coupon(Some(&c), &cheap, TODAY).unwrap().discount, 12);
    }

    #[test]
    fn coupon_refusals_use_the_contract_codes() {
        let e = CouponRefusal::NotFound.lookup_error();
        assert_eq!(
            e.body(),
            json!({"code":"coupon_not_found","message":"This code isn't valid.","type":"invalid_request_error",
                   "field_errors":{"coupon_code":["This code isn't valid."]}})
        );
        assert_eq!(e.status, 404);
        assert_eq!(CouponRefusal::Expired.lookup_error().status, 422);
        assert_eq!(CouponRefusal::NotApplicable.lookup_error().code, "coupon_not_applicable");
    }

    fn origins() -> Vec<String> {
        vec!["https://studio.example".into()]
    }

    fn valid_body() -> Value {
        json!({"plan":"clpl0month1yun11m1ted00002","external_id":"attempt-0001","coupon_code":"WELCOME10",
               "service_activation_date":"2026-04-01","customer":{"email":"new@example.com","name":"New Person"},
               "return_to":"https://studio.example/join?x=1"})
    }

    const SECRET: &str = "test-identity-secret-0123456789abcdef0123";
    const NOW: i64 = 1_773_136_800; // 2026-03-10T10:00:00Z

    fn verify(token: &str) -> Result<String, crate::identity::Refusal> {
        crate::identity::verify(&[SECRET.to_string()], token, NOW)
    }

    fn validate_any(v: Value) -> Result<PurchaseRequest, Invalid> {
        validate_purchase(v.as_object().unwrap(), &origins(), TODAY, &verify)
    }

    fn validate(v: Value) -> Result<PurchaseRequest, FieldErrors> {
        validate_any(v).map_err(|e| match e {
            Invalid::Fields(f) => f,
            Invalid::Identity(why) => panic!("identity refused: {why}"),
        })
    }

    #[test]
    fn a_valid_purchase_request() {
        let r = validate(valid_body()).unwrap();
        assert_eq!(r.plan, "clpl0month1yun11m1ted00002");
        assert_eq!(r.coupon_code.as_deref(), Some("WELCOME10"));
        assert_eq!(r.service_activation_date, Some(date!(2026 - 04 - 01)));
        assert_eq!(r.customer, CustomerRef::Guest { email: "new@example.com".into(), name: "New Person".into() });
        assert_eq!(r.payment_method, None);
        let mut b = valid_body();
        let token = crate::identity::sign(SECRET, "clcu0a1exrunner0000000001", NOW + 600);
        b["customer"] = json!({"token": token});
        b["coupon_code"] = json!("");
        b["service_activation_date"] = Value::Null;
        b["payment_method"] = json!("pm_card_visa_4242");
        let r = validate(b).unwrap();
        assert_eq!(r.customer, CustomerRef::Signed("clcu0a1exrunner0000000001".into()));
        assert_eq!((r.coupon_code, r.service_activation_date), (None, None));
        assert_eq!(r.payment_method.as_deref(), Some("pm_card_visa_4242"));
        // Today is not in the past.
        let mut b = valid_body();
        b["service_activation_date"] = json!("2026-03-10");
        assert!(validate(b).is_ok());
    }

    #[test]
    fn every_problem_is_reported_under_its_field() {
        let errs = validate(json!({"customer":{"email":"nope","name":"  "},"service_activation_date":"2026-03-09",
            "external_id":"short","return_to":"https://evil.example/x","coupon_code":5})).unwrap_err();
        let keys: Vec<&str> = errs.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["coupon_code", "email", "external_id", "name", "plan", "return_to", "service_activation_date"]
        );
        assert_eq!(errs["plan"], ["This field is required."]);
        assert_eq!(errs["service_activation_date"], ["The activation date can't be in the past."]);
        assert_eq!(errs["return_to"], ["Must be a page on this studio's site."]);

        let bad = |key: &str, v: Value| {
            let mut b = valid_body();
            b[key] = v;
            validate(b).unwrap_err()
        };
        assert!(bad("external_id", json!("has space 123")).contains_key("external_id"));
        assert!(bad("external_id", json!("x".repeat(65))).contains_key("external_id"));
        assert!(bad("return_to", json!("/relative")).contains_key("return_to"));
        assert!(bad("return_to", json!("ftp://studio.example/")).contains_key("return_to"));
        assert!(bad("return_to", json!(format!("https://studio.example/{}", "a".repeat(2000)))).contains_key("return_to"));
        assert!(bad("service_activation_date", json!("01/04/2026")).contains_key("service_activation_date"));
        assert!(bad("plan", json!("../admin")).contains_key("plan"));
        assert!(bad("customer", json!("alex")).contains_key("customer"));
        assert!(bad("customer", json!({"email":"a@b.c"})).contains_key("name"));
        assert!(bad("payment_method", json!("pm card")).contains_key("payment_method"));
        assert!(bad("payment_method", json!("p".repeat(256))).contains_key("payment_method"));
        assert!(bad("payment_method", json!(42)).contains_key("payment_method"));
    }

    /// Only the studio's signature names an existing customer: a bare id, a forged, altered or
    /// expired token is refused before any field is looked at.
    #[test]
    fn identities_the_studio_did_not_sign_are_refused() {
        use crate::identity::{sign, Refusal};
        let with = |customer: Value| {
            let mut b = valid_body();
            b["customer"] = customer;
            b["plan"] = json!("../admin"); // would be a field error: the identity comes first
            validate_any(b)
        };
        let alex = "clcu0a1exrunner0000000001";
        assert_eq!(with(json!({"id": alex})), Err(Invalid::Identity(Refusal::Unsigned)));
        assert_eq!(with(json!({"id": alex, "email": "alex@example.com", "name": "A"})), Err(Invalid::Identity(Refusal::Unsigned)));
        let forged = sign("a-secret-the-attacker-made-up-0123456789", alex, NOW + 600);
        assert_eq!(with(json!({"token": forged})), Err(Invalid::Identity(Refusal::BadSignature)));
        let expired = sign(SECRET, alex, NOW - 3600);
        assert_eq!(with(json!({"token": expired})), Err(Invalid::Identity(Refusal::Expired)));
        assert_eq!(with(json!({"token": 5})), Err(Invalid::Identity(Refusal::Malformed)));
        // A signed token wins over any email sent beside it.
        let mut b = valid_body();
        b["customer"] = json!({"token": sign(SECRET, alex, NOW + 60), "email": "someone@else.example", "name": "X"});
        assert_eq!(validate(b).unwrap().customer, CustomerRef::Signed(alex.into()));
        // Without any secret configured, no token is accepted.
        let mut b = valid_body();
        b["customer"] = json!({"token": sign(SECRET, alex, NOW + 60)});
        let none = |t: &str| crate::identity::verify(&[], t, NOW);
        assert_eq!(
            validate_purchase(b.as_object().unwrap(), &origins(), TODAY, &none),
            Err(Invalid::Identity(Refusal::NotConfigured))
        );
    }

    #[test]
    fn fingerprints_and_guest_keys() {
        let a = validate(valid_body()).unwrap();
        let mut b = valid_body();
        b["customer"]["name"] = json!("Other Person");
        let b = validate(b).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), validate(valid_body()).unwrap().fingerprint());
        assert_eq!(guest_customer_key("attempt-0001"), "checkout-attempt-0001");
        assert!(plausible_external_id("0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f"));
        assert!(!plausible_external_id("short") && !plausible_external_id("has space 123") && !plausible_external_id(&"x".repeat(65)));
    }

    #[test]
    fn outcomes_of_uelz_statuses() {
        for s in ["active", "trialing", "succeeded", "pending", "paused", "ACTIVE"] {
            assert_eq!(outcome_of(s), "active", "{s}");
        }
        for s in ["canceled", "cancelled", "unpaid"] {
            assert_eq!(outcome_of(s), "failed", "{s}");
        }
        for s in ["incomplete", "past_due", "", "something_new"] {
            assert_eq!(outcome_of(s), "pending", "{s}");
        }
    }

    #[test]
    fn emails() {
        assert!(plausible_email("alex@example.com"));
        assert!(plausible_email("a.b+c@sub.example.co"));
        for bad in ["", "alex", "alex@", "@example.com", "alex@example", "a b@example.com", "a@.example.com", "a@example..com"] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn end_dates_for_fixed_term_plans() {
        assert_eq!(end_date(&summer(), None, TODAY), Some(date!(2026 - 06 - 02)));
        assert_eq!(end_date(&summer(), Some(date!(2026 - 12 - 20)), TODAY), Some(date!(2027 - 03 - 14)));
        assert_eq!(end_date(&monthly(), None, TODAY), None);
    }

    #[test]
    fn plan_dependent_checks() {
        let mut r = validate(valid_body()).unwrap();
        let e = check_against_plan(&r, &monthly()).unwrap_err();
        assert!(e.field_errors.contains_key("service_activation_date"));
        assert!(check_against_plan(&r, &summer()).is_ok());
        r.service_activation_date = None;
        assert!(check_against_plan(&r, &monthly()).is_ok());
        let mut archived = monthly();
        archived.status = Some("archived".into());
        assert!(check_against_plan(&r, &archived).unwrap_err().field_errors.contains_key("plan"));
    }

    #[test]
    fn the_uelz_body() {
        let mut r = validate(valid_body()).unwrap();
        r.service_activation_date = None;
        r.payment_method = Some("pm_123".into());
        let end = end_date(&summer(), None, TODAY);
        let b = uelz_purchase_body(&r, &summer(), "cu1", Some("co1"), Some("bc_gentle"), end);
        assert_eq!(
            b,
            json!({"plan":"clpl0summerpass12wk000005","customer":"cu1","currency":"EUR","external_id":"attempt-0001",
                   "coupon":"co1","billing_configuration":"bc_gentle","payment_method":"pm_123","end_date":"2026-06-02"})
        );
        assert!(end_date_depends_on_today(&summer(), &r));
        r.payment_method = None;
        r.service_activation_date = Some(date!(2026 - 04 - 01));
        assert!(!end_date_depends_on_today(&summer(), &r));
        assert!(!end_date_depends_on_today(&monthly(), &r));
        let b = uelz_purchase_body(&r, &monthly(), "cu1", None, None, end_date(&monthly(), r.service_activation_date, TODAY));
        assert_eq!(
            b,
            json!({"plan":"clpl0month1yun11m1ted00002","customer":"cu1","currency":"EUR","external_id":"attempt-0001",
                   "service_activation_date":"2026-04-01"})
        );
    }

    #[test]
    fn links_and_expiry() {
        assert_eq!(
            next_url("http://127.0.0.1:8787/checkout/", "pu 1", "https://studio.example/join?a=1&b=2#x").unwrap(),
            "http://127.0.0.1:8787/checkout/pu%201?return_url=https%3A%2F%2Fstudio.example%2Fjoin%3Fa%3D1%26b%3D2%23x"
        );
        let now = datetime!(2026-03-10 09:00:00 UTC);
        let life = std::time::Duration::from_secs(1800);
        assert_eq!(expires_at(Some("2026-03-10T09:45:00.123Z"), life, now), "2026-03-10T10:15:00.123Z");
        assert_eq!(expires_at(Some("2026-03-10T11:45:00+02:00"), life, now), "2026-03-10T10:15:00.000Z");
        assert_eq!(expires_at(None, life, now), "2026-03-10T09:30:00.000Z");
        assert_eq!(expires_at(Some("yesterday"), life, now), "2026-03-10T09:30:00.000Z");
    }

    #[test]
    fn uelz_refusals_map_onto_widget_fields() {
        let refused = |status, field: Option<&str>, msg: &str| UpstreamError::Refused {
            status,
            error: UelzError { code: Some("validation_error".into()), message: Some(msg.into()), field: field.map(Into::into) },
        };
        let map = |e| upstream_to_api(e, true, "merchant_id", false, &["SECRETKEY123"]);
        let e = map(refused(422, Some("coupon"), "Coupon expired"));
        assert_eq!((e.status.as_u16(), e.code), (400, "parameter_invalid"));
        assert_eq!(e.field_errors["coupon_code"], ["Coupon expired"]);
        assert_eq!(map(refused(422, Some("customer"), "x")).field_errors.keys().next().unwrap(), "customer");
        assert_eq!(map(refused(422, Some("email"), "x")).field_errors.keys().next().unwrap(), "email");
        assert_eq!(map(refused(422, Some("end_date"), "x")).field_errors.keys().next().unwrap(), "non_field_errors");
        assert_eq!(
            upstream_to_api(refused(422, Some("end_date"), "x"), true, "merchant_id", true, &[])
                .field_errors
                .keys()
                .next()
                .unwrap(),
            "service_activation_date"
        );
        assert_eq!(map(refused(422, Some("weird"), "x")).field_errors.keys().next().unwrap(), "non_field_errors");
        assert_eq!(map(refused(422, Some("merchant_id"), "x")).code, "upstream_misconfigured");
        assert_eq!(
            upstream_to_api(refused(422, Some("on_behalf"), "x"), true, "on_behalf", false, &[]).code,
            "upstream_misconfigured"
        );
        assert_eq!(map(refused(422, Some("billing_configuration"), "x")).status, 502);
        // Secrets in a message never pass through, not even a piece of one.
        let e = map(refused(422, Some("plan"), "plan unknown for key SECRETKEY123"));
        assert_eq!(e.field_errors["plan"], ["This value was refused."]);
        let e = map(refused(422, Some("plan"), "plan unknown for key SECRETKE…"));
        assert_eq!(e.field_errors["plan"], ["This value was refused."]);
        let e = map(refused(409, Some("external_id"), "dup"));
        assert_eq!((e.status.as_u16(), e.code, e.kind), (409, "conflict", "conflict"));
        let e = map(refused(401, None, "Invalid api-key or organization-id"));
        assert_eq!((e.status.as_u16(), e.code), (502, "upstream_misconfigured"));
        assert!(!e.message.contains("api-key"));
        let e = map(UpstreamError::Unavailable("POST /purchases: timed out".into()));
        assert_eq!((e.status.as_u16(), e.code), (502, "upstream_unavailable"));
        assert_eq!(e.message, UPSTREAM_UNAVAILABLE_PURCHASE);
        assert_eq!(e.note.as_deref(), Some("POST /purchases: timed out"));
        let e = upstream_to_api(UpstreamError::Unavailable("x".into()), false, "m", false, &[]);
        assert_eq!(e.message, UPSTREAM_UNAVAILABLE);
        assert_eq!(map(refused(404, None, "x")).code, "upstream_error");
        assert_eq!(map(refused(400, None, "bad json")).code, "upstream_error");
    }

    #[test]
    fn secret_fragments_and_redaction() {
        let secrets = ["uelz_sk_ABCDEFGH12345", "org_42"];
        assert!(shares_secret_fragment("key uelz_sk_ABCDEFGH12345!", &secrets));
        assert!(shares_secret_fragment("key=ABCDEFGH", &secrets));
        assert!(shares_secret_fragment("org org_42", &secrets));
        assert!(!shares_secret_fragment("Invalid api-key or organization-id", &secrets));
        assert!(!shares_secret_fragment("ABCDEFG", &secrets));
        assert_eq!(redact("a uelz_sk_ABCDEFGH12345 b org_42", &secrets), "a [redacted] b [redacted]");
        assert_eq!(redact("abc", &["ab"]), "abc");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-03-10"), Some(TODAY));
        assert_eq!(parse_date("2026-03-10T23:59:59Z"), Some(TODAY));
        assert_eq!(parse_date("2026-3-10"), None);
        assert_eq!(parse_date("2026-03-10x"), None);
        assert_eq!(format_date(TODAY), "2026-03-10");
    }
}
