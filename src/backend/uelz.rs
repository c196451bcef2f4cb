//! Uelz, through the studio's gateway (docs/contract.md §4): the browser never holds Uelz's
//! api-key, so it asks our server for plans, coupon quotes and the purchase. The gateway answers
//! with TeamUp's error envelope, so [`ApiError`] reads both alike.

use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::http::{parse_json, read_offer, Method, Transport};
use super::retry::Repeat;
use super::Confirmation;
use crate::model::uelz::{CouponQuote, PlansReply, PurchaseOutcome, PurchaseStatus, UelzPlan};
use crate::model::Offer;
use crate::settings::UelzSettings;
use crate::url::encode;

#[derive(Clone, PartialEq)]
pub enum Customer {
    /// A returning member, as the studio's server signed them (`customer-token`).
    Signed(String),
    /// Anyone else: the gateway makes a new Uelz customer with these details.
    Details { name: String, email: String },
}

impl std::fmt::Debug for Customer {
    /// The signed token is a credential: only the customer id it names is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Customer::Signed(token) => {
                write!(f, "Signed({:?}, [redacted])", crate::settings::signed_customer_id(token).unwrap_or("?"))
            }
            Customer::Details { name, email } => f.debug_struct("Details").field("name", name).field("email", email).finish(),
        }
    }
}

/// The gateway's `POST /purchases` (docs/contract.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct UelzPurchaseRequest {
    pub plan: String,
    pub external_id: String,
    pub coupon_code: Option<String>,
    pub service_activation_date: Option<String>,
    pub customer: Customer,
    pub return_to: String,
}

impl UelzPurchaseRequest {
    pub fn body(&self) -> String {
        self.to_json(true).to_string()
    }

    /// Everything but the key: two attempts that would send this alike are the same purchase. A
    /// signed customer counts by the id it names, so a fresh token (a reloaded page) for the same
    /// member still retries the same purchase.
    pub fn fingerprint(&self) -> String {
        self.to_json(false).to_string()
    }

    fn to_json(&self, for_sending: bool) -> Value {
        let with_key = for_sending;
        let mut body = Map::new();
        body.insert("plan".into(), json!(self.plan));
        if with_key {
            body.insert("external_id".into(), json!(self.external_id));
        }
        if let Some(code) = &self.coupon_code {
            body.insert("coupon_code".into(), json!(code));
        }
        if let Some(date) = &self.service_activation_date {
            body.insert("service_activation_date".into(), json!(date));
        }
        body.insert(
            "customer".into(),
            match &self.customer {
                Customer::Signed(token) if for_sending => json!({ "token": token }),
                Customer::Signed(token) => json!({ "signed": crate::settings::signed_customer_id(token) }),
                Customer::Details { name, email } => json!({ "name": name, "email": email }),
            },
        );
        body.insert("return_to".into(), json!(self.return_to));
        Value::Object(body)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    base: String,
    transport: Transport,
}

impl Gateway {
    pub fn new(settings: &UelzSettings, transport: Transport) -> Self {
        Gateway { base: settings.gateway_url.trim_end_matches('/').to_string(), transport }
    }

    fn headers(with_json_body: bool) -> Vec<(&'static str, String)> {
        let mut headers = vec![("Accept", "application/json".to_string())];
        if with_json_body {
            headers.push(("Content-Type", "application/json".to_string()));
        }
        headers
    }

    pub fn plans_url(&self) -> String {
        format!("{}/plans", self.base)
    }

    pub fn coupon_url(&self, code: &str, plan: &str) -> String {
        format!("{}/coupons/{}?plan={}", self.base, encode(code.trim()), encode(plan))
    }

    pub fn purchases_url(&self) -> String {
        format!("{}/purchases", self.base)
    }

    /// `GET <gateway>/purchases/<external_id>` (docs/contract.md §4).
    pub fn purchase_status_url(&self, external_id: &str) -> String {
        format!("{}/purchases/{}", self.base, encode(external_id))
    }

    pub async fn plans(&self) -> Result<Vec<UelzPlan>, ApiError> {
        let t = &self.transport;
        let PlansReply { plans } =
            t.send(Method::Get, &self.plans_url(), &Self::headers(false), None, t.timeout_ms, Repeat::Safe, parse_json).await?;
        Ok(plans)
    }

    pub async fn coupon(&self, code: &str, plan: &str) -> Result<CouponQuote, ApiError> {
        let t = &self.transport;
        t.send(Method::Get, &self.coupon_url(code, plan), &Self::headers(false), None, t.timeout_ms, Repeat::Safe, parse_json).await
    }

    /// What Uelz says now of the purchase made with `external_id`: `Ok(None)` while there is none
    /// (the gateway's 404 `purchase_not_found`). Asked on the customer's return from the payment
    /// page; a read, so it is retried like one.
    pub async fn purchase_status(&self, external_id: &str) -> Result<Option<PurchaseStatus>, ApiError> {
        let t = &self.transport;
        let answer =
            t.send(Method::Get, &self.purchase_status_url(external_id), &Self::headers(false), None, t.timeout_ms, Repeat::Safe, parse_json)
                .await;
        not_found_yet(answer)
    }

    /// What to tell the customer back from the payment page about the attempt `external_id`:
    /// the gateway's word ([`status_confirmation`]), never the address's.
    pub async fn confirmation(&self, external_id: &str) -> Result<Confirmation, ApiError> {
        self.purchase_status(external_id).await.and_then(|found| status_confirmation(external_id, found))
    }

    /// Sends the purchase; its `external_id` makes sending it again safe. The gateway calls Uelz
    /// several times (plan, coupon, customer, purchase), hence the longer limit: twice a read's,
    /// which the gateway's own purchase deadline stays below (gateway/README.md).
    pub async fn purchase(&self, request: &UelzPurchaseRequest) -> Result<(Offer, Option<f64>), ApiError> {
        let t = &self.transport;
        t.send(Method::Post, &self.purchases_url(), &Self::headers(true), Some(request.body()), t.timeout_ms.saturating_mul(2), Repeat::Safe, read_offer)
            .await
    }
}

/// The gateway's "no purchase for this attempt (yet)" is an answer, not a failure.
pub fn not_found_yet<T>(answer: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match answer {
        Ok(found) => Ok(Some(found)),
        Err(ApiError::Http { status: 404, code: Some(code), .. }) if code == "purchase_not_found" => Ok(None),
        Err(error) => Err(error),
    }
}

/// What the gateway says of the Uelz purchase made with `external_id` (`GET <gateway>/purchases/
/// <external_id>`, read by [`Gateway::purchase_status`]): its `outcome`, or
/// not found yet while Uelz has no purchase for the attempt (`None`: the gateway's 404
/// `purchase_not_found`). An answer about another attempt confirms nothing about this one.
pub fn status_confirmation(external_id: &str, found: Option<PurchaseStatus>) -> Result<Confirmation, ApiError> {
    match found {
        None => Ok(Confirmation::NotFound),
        Some(status) if status.external_id != external_id => {
            Err(ApiError::Malformed(format!("the gateway answered about another attempt ({:?})", status.external_id)))
        }
        Some(status) => Ok(match status.outcome {
            PurchaseOutcome::Active => Confirmation::Active,
            PurchaseOutcome::Pending => Confirmation::Pending,
            PurchaseOutcome::Failed => Confirmation::Failed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_from_the_gateway_base() {
        let g = Gateway::new(
            &UelzSettings { gateway_url: "https://pay.studio.example/v1/".into(), customer_token: None },
            Transport::new(15_000),
        );
        assert_eq!(g.plans_url(), "https://pay.studio.example/v1/plans");
        assert_eq!(g.purchases_url(), "https://pay.studio.example/v1/purchases");
        assert_eq!(
            g.coupon_url(" summer 10/x ", "clpl0month1yun11m1ted00002"),
            "https://pay.studio.example/v1/coupons/summer%2010%2Fx?plan=clpl0month1yun11m1ted00002"
        );
        assert_eq!(
            g.purchase_status_url("0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f"),
            "https://pay.studio.example/v1/purchases/0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f"
        );
        assert_eq!(g.purchase_status_url("a/../b?c"), "https://pay.studio.example/v1/purchases/a%2F..%2Fb%3Fc");
        let headers = Gateway::headers(true);
        assert!(headers.iter().all(|(name, _)| !name.eq_ignore_ascii_case("authorization")), "no credentials go to the gateway");
    }

    #[test]
    fn a_missing_purchase_is_not_found_yet_and_other_errors_stay_errors() {
        let body = r#"{"code":"purchase_not_found","message":"There is no purchase for this checkout (yet).","type":"invalid_request_error","field_errors":{}}"#;
        assert_eq!(not_found_yet::<u8>(Err(ApiError::from_response(404, body))), Ok(None));
        assert_eq!(not_found_yet(Ok(3u8)), Ok(Some(3)));
        // A 404 of another kind (a wrong gateway-url) is an error to show, not "not yet".
        let other = ApiError::from_response(404, r#"{"code":"not_found","message":"Not found."}"#);
        assert_eq!(not_found_yet::<u8>(Err(other.clone())), Err(other));
        assert_eq!(not_found_yet::<u8>(Err(ApiError::from_response(404, "<html>"))), Err(ApiError::from_response(404, "<html>")));
        assert_eq!(not_found_yet::<u8>(Err(ApiError::Timeout)), Err(ApiError::Timeout));
        let down = ApiError::from_response(502, r#"{"code":"upstream_unavailable"}"#);
        assert_eq!(not_found_yet::<u8>(Err(down.clone())), Err(down));
    }
}
