//! The four routes under `/v1`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::config::BODY_LIMIT;
use crate::error::ApiError;
use crate::logic::{
    apply_coupon, check_against_plan, expires_at, next_url, plausible_id, uelz_purchase_body, upstream_to_api,
    validate_purchase, widget_plan, CouponRefusal, CustomerRef, Money,
};
use crate::money::{exponent, format_minor};
use crate::server::AppState;
use crate::uelz::{Plan, UpstreamError};

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

impl AppState {
    fn upstream(&self, e: UpstreamError, purchase: bool, had_activation_date: bool) -> ApiError {
        upstream_to_api(e, purchase, &self.config.merchant_param, had_activation_date, &self.secrets())
    }
}

pub async fn health() -> Json<Value> {
    Json(json!({"ok": true}))
}

pub async fn plans(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    let plans = st.uelz.plans().await.map_err(|e| st.upstream(e, false, false))?;
    let list: Vec<_> = plans.iter().filter(|p| p.is_active()).filter_map(widget_plan).collect();
    Ok(Json(json!({ "plans": list })))
}

/// An active plan by id, or the 400 `field_errors.plan` refusal.
async fn active_plan(st: &AppState, id: &str, purchase: bool) -> Result<Plan, ApiError> {
    if !plausible_id(id) {
        return Err(ApiError::invalid_field("plan", "Unknown plan."));
    }
    match st.uelz.plan(id).await {
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
    let coupon = st.uelz.coupon_by_code(&code).await.map_err(|e| st.upstream(e, false, false))?;
    let priced = apply_coupon(coupon.as_ref(), &plan, today()).map_err(CouponRefusal::lookup_error)?;
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

pub async fn purchase(State(st): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let body = json_object(&headers, body).await?;
    let today = today();
    let req = validate_purchase(&body, &st.config.allowed_origins, today).map_err(ApiError::invalid)?;
    let had_date = req.service_activation_date.is_some();

    let plan = active_plan(&st, &req.plan, true).await?;
    check_against_plan(&req, &plan)?;

    let coupon_id = match &req.coupon_code {
        Some(code) => {
            let coupon = st.uelz.coupon_by_code(code).await.map_err(|e| st.upstream(e, true, had_date))?;
            let priced = apply_coupon(coupon.as_ref(), &plan, today)
                .map_err(|r| ApiError::invalid_field("coupon_code", r.message()))?;
            Some(priced.coupon_id)
        }
        None => None,
    };

    let customer_id = match &req.customer {
        CustomerRef::Id(id) => id.clone(),
        CustomerRef::New { email, name } => {
            let found = st.uelz.customer_by_email(email).await.map_err(|e| st.upstream(e, true, had_date))?;
            match found {
                Some(c) => c.id,
                None => st.uelz.create_customer(email, name).await.map_err(|e| st.upstream(e, true, had_date))?.id,
            }
        }
    };

    let uelz_body = uelz_purchase_body(
        &req,
        &plan,
        &customer_id,
        coupon_id.as_deref(),
        st.config.billing_configuration.as_deref(),
        today,
    );
    let (status, purchase) =
        st.uelz.create_purchase(&uelz_body).await.map_err(|e| st.upstream(e, true, had_date))?;
    let next = next_url(&st.config.checkout_url, &purchase.id, &req.return_to).ok_or_else(|| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "gateway_misconfigured", "The checkout isn't set up correctly.")
    })?;
    let expires = expires_at(purchase.created_at.as_deref(), st.config.checkout_lifetime, OffsetDateTime::now_utc());
    let mut resp = (
        StatusCode::CREATED,
        Json(json!({"next_url": next, "expires_at": expires, "purchase_id": purchase.id})),
    )
        .into_response();
    if status == 200 {
        resp.extensions_mut().insert(crate::error::LogNote("uelz 200 repeat".into()));
    }
    Ok(resp)
}
