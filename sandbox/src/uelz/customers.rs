//! `GET /uelz/customers?email=` and `POST /uelz/customers` (both ASSUMPTIONS: the public docs
//! name no customer endpoints).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::data::Customer;
use super::state::new_id;
use super::{json_object, opt_string, Query, UelzAuth, UelzError};
use crate::state::Sandbox;

/// Customers whose email matches case-insensitively (`email`), or whose
/// `external_customer_id` matches exactly (extra); every customer without filters.
pub async fn list(State(sb): State<Sandbox>, _: UelzAuth, q: Query) -> Response {
    let state = sb.lock();
    let email = q.get("email").map(str::trim).filter(|e| !e.is_empty());
    let ext = q.get("external_customer_id").filter(|e| !e.is_empty());
    let found: Vec<Customer> = state
        .uelz
        .data
        .customers
        .iter()
        .filter(|c| email.is_none_or(|e| c.email.eq_ignore_ascii_case(e)))
        .filter(|c| ext.is_none_or(|e| c.external_customer_id.as_deref() == Some(e)))
        .cloned()
        .collect();
    Json(found).into_response()
}

/// `{external_customer_id?, email, name?}` → 201 `{id, external_customer_id, email, name}`.
pub async fn create(
    State(sb): State<Sandbox>,
    _: UelzAuth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, UelzError> {
    let body = json_object(&headers, &body)?;
    let email = opt_string(&body, "email")?
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| UelzError::validation("email", "email is required"))?;
    if !plausible_email(&email) {
        return Err(UelzError::validation(
            "email",
            format!("{email:?} is not a valid email address"),
        ));
    }
    let name = opt_string(&body, "name")?
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let external_customer_id = opt_string(&body, "external_customer_id")?.filter(|e| !e.is_empty());
    let customer = Customer {
        id: new_id("clcu"),
        external_customer_id,
        email,
        name,
    };
    sb.lock().uelz.data.customers.push(customer.clone());
    Ok((StatusCode::CREATED, Json(customer)).into_response())
}

/// One `@`, something before it, a dotted domain after it, no spaces, ≤ 254 characters.
pub fn plausible_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::plausible_email;

    #[test]
    fn emails_must_be_plausible() {
        for ok in [
            "alex@example.com",
            "a.b+c@mail.example.co.uk",
            "x@xn--bcher-kva.de",
        ] {
            assert!(plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "alex",
            "alex@",
            "@example.com",
            "alex@example",
            "a b@example.com",
            "a@b@example.com",
            "alex@example..com",
            "alex@-x.com",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
