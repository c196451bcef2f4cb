//! The Uelz routes under `/v1` (the TeamUp pass-through is in `teamup.rs`).

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{json, Value};

use crate::config::BODY_LIMIT;
use crate::error::ApiError;
use crate::logic::{
    apply_coupon, check_against_plan, end_date, end_date_depends_on_today, expires_at, guest_customer_key, next_url,
    outcome_of, parse_date, plausible_external_id, plausible_id, uelz_purchase_body, upstream_to_api,
    validate_purchase, widget_plan, CouponRefusal, CustomerRef, Invalid, Money, PurchaseRequest,
};
use crate::money::{exponent, format_minor};
use crate::server::AppState;
use crate::uelz::{Plan, UpstreamError};

impl AppState {
    fn upstream(&self, e: UpstreamError, purchase: bool, had_activation_date: bool) -> ApiError {
        upstream_to_api(e, purchase, &self.config.merchant_param, had_activation_date, &self.secrets())
    }
}

pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

pub async fn plans(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    let plans = st.uelz()?.plans().await.map_err(|e| st.upstream(e, false, false))?;
    let list: Vec<_> = plans.iter().filter(|p| p.is_active()).filter_map(widget_plan).collect();
    Ok(Json(json!({ "plans": list })))
}

/// An active plan by id, or the 400 `field_errors.plan` refusal.
async fn active_plan(st: &AppState, id: &str, purchase: bool) -> Result<Plan, ApiError> {
    if !plausible_id(id) {
        return Err(ApiError::invalid_field("plan", "Unknown plan."));
    }
    match st.uelz()?.plan(id).await {
        Ok(Some(p)) if p.is_active() => Ok(p),
        Ok(_) => Err(ApiError::invalid_field("plan", "Unknown plan.")),
        Err(e) => Err(st.upstream(e, purchase, false)),
    }
}

pub async fn coupon(
    State(st): State<AppState>,
    code: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let plan_id = query
        .as_deref()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "plan"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let Some(plan_id) = plan_id else {
        return Err(ApiError::invalid_field("plan", "This field is required."));
    };
    let plan = active_plan(&st, &plan_id, false).await?;
    let code = match code {
        Ok(Path(c)) => c.trim().to_string(),
        Err(_) => return Err(CouponRefusal::NotFound.lookup_error()),
    };
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(char::is_control) {
        return Err(CouponRefusal::NotFound.lookup_error());
    }
    let coupon = st.uelz()?.coupon_by_code(&code).await.map_err(|e| st.upstream(e, false, false))?;
    let today = st.config.timezone.date_at(st.config.clock.now());
    let priced = apply_coupon(coupon.as_ref(), &plan, today).map_err(CouponRefusal::lookup_error)?;
    let coupon = coupon.expect("priced coupons exist");
    let currency = plan.currency();
    let money = |minor| Money { amount: format_minor(minor, exponent(&currency)), currency: currency.clone() };
    Ok(Json(json!({
        "code": coupon.code.unwrap_or(code),
        "name": coupon.name.unwrap_or_default(),
        "discount": money(priced.discount),
        "total": money(priced.total),
    })))
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The body, at most `BODY_LIMIT` bytes, as a JSON object.
async fn json_object(headers: &HeaderMap, body: Body) -> Result<serde_json::Map<String, Value>, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::unsupported_media_type());
    }
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(ApiError::too_large()),
        Err(_) => return Err(ApiError::parse_error("The request body could not be read.")),
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::parse_error("The request body must be a JSON object.")),
        Err(e) => Err(ApiError::parse_error(format!(
            "The request body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))),
    }
}

/// What a finished purchase attempt answers (shared with every retry that joined it).
#[derive(Clone, Debug)]
pub struct Created {
    next_url: String,
    expires_at: String,
    purchase_id: String,
    /// Uelz answered 200: an idempotent repeat of a purchase made before.
    repeat: bool,
}

pub async fn purchase(State(st): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let started = tokio::time::Instant::now();
    let body = json_object(&headers, body).await?;
    let now = st.config.clock.now();
    let today = st.config.timezone.date_at(now);
    let secrets = &st.config.identity_secrets;
    let verify = |token: &str| crate::identity::verify(secrets, token, now.unix_timestamp());
    let req = match validate_purchase(&body, &st.config.allowed_origins, today, &verify) {
        Ok(r) => r,
        Err(Invalid::Identity(why)) => return Err(ApiError::identity_refused(why)),
        Err(Invalid::Fields(errors)) => return Err(ApiError::invalid(errors)),
    };

    // The attempt's work runs on its own (crate::flights): a retry joins it, and it finishes
    // even if this request stops waiting at the deadline.
    let key = req.external_id.clone();
    let fingerprint = req.fingerprint();
    let work = {
        let st = st.clone();
        move || async move { make_purchase(st, req, today).await }
    };
    let deadline = started + st.config.purchase_deadline;
    match tokio::time::timeout_at(deadline, st.flights.run(&key, &fingerprint, work)).await {
        Ok(Some(Ok(created))) => {
            let mut resp = (
                StatusCode::CREATED,
                Json(json!({"next_url": created.next_url, "expires_at": created.expires_at, "purchase_id": created.purchase_id})),
            )
                .into_response();
            if created.repeat {
                resp.extensions_mut().insert(crate::error::LogNote("uelz 200 repeat".into()));
            }
            Ok(resp)
        }
        Ok(Some(Err(e))) => Err(e),
        Ok(None) => Err(ApiError::upstream_error().with_note("purchase task failed")),
        Err(_) => Err(ApiError::purchase_deadline(st.config.purchase_deadline)),
    }
}

/// Plan, coupon, customer, `end_date`, then `POST /purchases`: every Uelz call of one attempt.
async fn make_purchase(st: AppState, req: PurchaseRequest, today: time::Date) -> Result<Created, ApiError> {
    let had_date = req.service_activation_date.is_some();
    let plan = active_plan(&st, &req.plan, true).await?;
    check_against_plan(&req, &plan)?;

    let coupon_id = match &req.coupon_code {
        Some(code) => {
            let coupon = st.uelz()?.coupon_by_code(code).await.map_err(|e| st.upstream(e, true, had_date))?;
            let priced = apply_coupon(coupon.as_ref(), &plan, today)
                .map_err(|r| ApiError::invalid_field("coupon_code", r.message()))?;
            Some(priced.coupon_id)
        }
        None => None,
    };

    let customer_id = match &req.customer {
        CustomerRef::Signed(id) => id.clone(),
        CustomerRef::Guest { email, name } => guest_customer(&st, &req.external_id, email, name, had_date).await?,
    };

    // A fixed-term plan bought without a start date ends `term_days` after the attempt's first
    // day. If Uelz already holds this attempt's purchase (the answer to the first try was lost,
    // perhaps before the studio's midnight), its end date is that day's: send the same again.
    let end = if end_date_depends_on_today(&plan, &req) {
        let earlier = st
            .uelz()?
            .purchase_by_external_id(&req.external_id)
            .await
            .map_err(|e| st.upstream(e, true, had_date))?
            .filter(|p| p.plan.as_deref() == Some(plan.id.as_str()))
            .and_then(|p| p.end_date.as_deref().and_then(parse_date));
        earlier.or_else(|| end_date(&plan, None, today))
    } else {
        end_date(&plan, req.service_activation_date, today)
    };

    let uelz_body = uelz_purchase_body(
        &req,
        &plan,
        &customer_id,
        coupon_id.as_deref(),
        st.config.billing_configuration.as_deref(),
        end,
    );
    let (status, purchase) =
        st.uelz()?.create_purchase(&uelz_body).await.map_err(|e| st.upstream(e, true, had_date))?;
    let next = next_url(&st.config.checkout_url, &purchase.id, &req.return_to).ok_or_else(|| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "gateway_misconfigured", "The checkout isn't set up correctly.")
    })?;
    let expires = expires_at(purchase.created_at.as_deref(), st.config.checkout_lifetime, st.config.clock.now());
    Ok(Created { next_url: next, expires_at: expires, purchase_id: purchase.id, repeat: status == 200 })
}

/// The Uelz customer of a buyer without a signed identity: a new one, made once per attempt
/// (keyed by [`guest_customer_key`]), never one found by email.
async fn guest_customer(
    st: &AppState,
    external_id: &str,
    email: &str,
    name: &str,
    had_date: bool,
) -> Result<String, ApiError> {
    let key = guest_customer_key(external_id);
    let found = st.uelz()?.customer_by_external_id(&key).await.map_err(|e| st.upstream(e, true, had_date))?;
    match found {
        Some(c) if c.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)) => Ok(c.id),
        // This attempt's customer was made with other details: not the same request.
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "This checkout was already started with different details. Start again.",
        )
        .with_note("guest customer with another email")),
        None => Ok(st.uelz()?.create_customer(email, name, &key).await.map_err(|e| st.upstream(e, true, had_date))?.id),
    }
}

/// `GET /v1/purchases/<external_id>`: what Uelz says about the attempt's purchase now.
pub async fn purchase_status(
    State(st): State<AppState>,
    external_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let external_id = match external_id {
        Ok(Path(id)) if plausible_external_id(&id) => id,
        _ => return Err(ApiError::purchase_not_found()),
    };
    let found = st.uelz()?.purchase_by_external_id(&external_id).await.map_err(|e| st.upstream(e, false, false))?;
    let Some(purchase) = found else { return Err(ApiError::purchase_not_found()) };
    let status = purchase.status.unwrap_or_default();
    let mut resp = Json(json!({
        "external_id": external_id,
        "purchase_id": purchase.id,
        "outcome": outcome_of(&status),
        "status": status,
    }))
    .into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(resp)
}
