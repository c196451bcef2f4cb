//! Uelz, through the studio's gateway (docs/contract.md §4): the browser never holds Uelz's
//! api-key, so it asks our server for plans, coupon quotes and the purchase. The gateway answers
//! with TeamUp's error envelope, so [`ApiError`] reads both alike.

use super::error::ApiError;
use super::http::{Method, Transport};
use super::retry::Repeat;
use super::teamup::{encode, parse_json, read_offer};
use crate::checkout::uelz::UelzPurchaseRequest;
use crate::model::uelz::{CouponQuote, PlansReply, UelzPlan};
use crate::model::Offer;
use crate::settings::UelzSettings;


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

    /// Sends the purchase; its `external_id` makes sending it again safe. The gateway calls Uelz up
    /// to three times (customer, coupon, purchase), hence the longer limit.
    pub async fn purchase(&self, request: &UelzPurchaseRequest) -> Result<(Offer, Option<f64>), ApiError> {
        let t = &self.transport;
        t.send(Method::Post, &self.purchases_url(), &Self::headers(true), Some(request.body()), t.timeout_ms.saturating_mul(2), Repeat::Safe, read_offer)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_from_the_gateway_base() {
        let g = Gateway::new(
            &UelzSettings { gateway_url: "https://pay.studio.example/v1/".into(), customer_id: None },
            Transport::new(15_000),
        );
        assert_eq!(g.plans_url(), "https://pay.studio.example/v1/plans");
        assert_eq!(g.purchases_url(), "https://pay.studio.example/v1/purchases");
        assert_eq!(
            g.coupon_url(" summer 10/x ", "clpl0month1yun11m1ted00002"),
            "https://pay.studio.example/v1/coupons/summer%2010%2Fx?plan=clpl0month1yun11m1ted00002"
        );
        let headers = Gateway::headers(true);
        assert!(headers.iter().all(|(name, _)| !name.eq_ignore_ascii_case("authorization")), "no credentials go to the gateway");
    }
}
