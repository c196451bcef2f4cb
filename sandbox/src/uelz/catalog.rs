//! `GET /uelz/plans`, `GET /uelz/plans/:id` and `GET /uelz/coupons?code=`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::{Query, UelzAuth, UelzError};
use crate::state::Sandbox;

/// Every plan, archived ones included (ASSUMPTION: a plain array). `service_id` and
/// `status` (extra) filter it.
pub async fn list_plans(State(sb): State<Sandbox>, _: UelzAuth, q: Query) -> Response {
    let state = sb.lock();
    let plans: Vec<_> = state
        .uelz
        .data
        .plans
        .iter()
        .filter(|p| {
            q.get("service_id")
                .is_none_or(|s| s.is_empty() || p.service_id == s)
        })
        .filter(|p| {
            q.get("status").is_none_or(|s| {
                s.is_empty()
                    || serde_json::to_value(p.status)
                        .ok()
                        .as_ref()
                        .and_then(|v| v.as_str())
                        == Some(s)
            })
        })
        .cloned()
        .collect();
    Json(plans).into_response()
}

pub async fn retrieve_plan(
    State(sb): State<Sandbox>,
    _: UelzAuth,
    Path(id): Path<String>,
) -> Response {
    let state = sb.lock();
    match state.uelz.data.plan(&id) {
        Some(p) => Json(p.clone()).into_response(),
        None => UelzError::not_found(format!("No plan with id {id:?}")).into_response(),
    }
}

/// ASSUMPTION: an array of 0 or 1 coupons whose code matches case-insensitively (surrounding
/// spaces ignored); inactive and expired coupons are listed too, so a caller can say why a
/// code can't be used. Without `code`, every coupon.
pub async fn list_coupons(State(sb): State<Sandbox>, _: UelzAuth, q: Query) -> Response {
    let state = sb.lock();
    let code = q.get("code").map(str::trim);
    let coupons: Vec<_> = state
        .uelz
        .data
        .coupons
        .iter()
        .filter(|c| code.is_none_or(|code| c.code.eq_ignore_ascii_case(code)))
        .cloned()
        .collect();
    Json(coupons).into_response()
}
