//! The TeamUp v2 subset under `/api/v2`.

pub mod auth;
pub mod customers;
pub mod errors;
pub mod events;
pub mod memberships;
pub mod pagination;
pub mod profiles;
pub mod purchase;

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::Serialize;
use time::OffsetDateTime;

use crate::faults::{faulty, Api, FaultRoute};
use crate::state::Sandbox;
use crate::times::{parse_filter_datetime, Zone};
use crate::urls::base_url;
pub use errors::{ApiError, FieldErrors};

pub fn routes(sb: &Sandbox) -> Router<Sandbox> {
    use FaultRoute as R;
    // Faults apply once the route's own credential check passes (`Ctx`; `Authed` for profiles).
    let f = |route: R, handlers: MethodRouter<Sandbox>| {
        faulty::<auth::Ctx>(sb, route, Api::TeamUp, handlers)
    };
    // The catalogue (and the provider's public details) may also be read anonymously in
    // customer mode (`Reader`).
    let c = |route: R, handlers: MethodRouter<Sandbox>| {
        faulty::<auth::Reader>(sb, route, Api::TeamUp, handlers)
    };
    Router::new()
        .merge(crate::oauth::api_routes())
        .route(
            "/api/v2/auth/profiles",
            api(faulty::<auth::Authed>(
                sb,
                R::TeamupProfiles,
                Api::TeamUp,
                get(profiles::list),
            )),
        )
        .route(
            "/api/v2/providers/{id}",
            // Public studio details (name, time zone, currency) are readable like the catalogue.
            api(c(R::Any, get(profiles::provider))),
        )
        .route(
            "/api/v2/memberships",
            api(c(R::TeamupMemberships, get(memberships::list))),
        )
        .route(
            "/api/v2/memberships/{id}",
            api(c(R::TeamupMemberships, get(memberships::retrieve))),
        )
        .route(
            "/api/v2/memberships/{id}/initiate_purchase",
            api(f(
                R::TeamupInitiatePurchase,
                post(purchase::initiate_purchase),
            )),
        )
        .route(
            "/api/v2/membership_payment_plans",
            api(c(R::TeamupPlans, get(memberships::list_plans))),
        )
        .route(
            "/api/v2/membership_payment_plans/{id}",
            api(c(R::TeamupPlans, get(memberships::retrieve_plan))),
        )
        .route("/api/v2/events", api(c(R::TeamupEvents, get(events::list))))
        .route(
            "/api/v2/events/{id}",
            api(c(R::TeamupEvents, get(events::retrieve))),
        )
        .route(
            "/api/v2/slots",
            api(c(R::TeamupSlots, get(events::list_slots))),
        )
        .route(
            "/api/v2/slots/{id}",
            api(c(R::TeamupSlots, get(events::retrieve_slot))),
        )
        // What the widget asks when a customer comes back from the payment page.
        .route(
            "/api/v2/customer_memberships",
            api(f(R::Any, get(customers::list_memberships))),
        )
        .route(
            "/api/v2/customer_memberships/{id}",
            api(f(R::Any, get(customers::retrieve_membership))),
        )
        .route(
            "/api/v2/attendances",
            api(f(R::Any, get(customers::list_attendances))),
        )
        .route("/api/v2", get(not_found).post(not_found))
        .route(
            "/api/v2/{*rest}",
            get(not_found).post(not_found).fallback(not_found),
        )
        .layer(middleware::from_fn(crate::limits::teamup))
}

/// Unsupported methods get the error envelope rather than axum's empty 405. Like DRF, the
/// credentials are checked first.
fn api(route: MethodRouter<Sandbox>) -> MethodRouter<Sandbox> {
    route.fallback(|_: auth::Authed, method: Method| async move {
        ApiError::method_not_allowed(method.as_str())
    })
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// What a handler needs to know about the request URL: the absolute base (for links), the
/// path, and the decoded query pairs in order.
pub struct Req {
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl FromRequestParts<Sandbox> for Req {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Ok(Req {
            base: base_url(&parts.headers, &parts.uri, state),
            path: parts.uri.path().to_string(),
            query,
        })
    }
}

impl Req {
    /// The last value given for `name`, like Django's `QueryDict.get`; empty means "not given"
    /// as in django-filter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }

    pub fn bool_param(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if v == "true" || v == "1" => Ok(Some(true)),
            Some(v) if v == "false" || v == "0" => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_field(
                name,
                "Select a valid choice: true or false.",
            )),
        }
    }

    pub fn int_param(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid_field(name, "Enter a whole number.")),
        }
    }

    /// The values of a list filter, `ids=1,2&ids=3` (empty ones dropped).
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// `ids=1,2&ids=3` style integer lists.
    pub fn int_list(&self, name: &str) -> Result<Option<Vec<u64>>, ApiError> {
        let raw = self.list(name);
        if raw.is_empty() {
            return Ok(None);
        }
        raw.iter()
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| ApiError::invalid_field(name, "Enter a whole number."))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    pub fn datetime_param(
        &self,
        name: &str,
        zone: Zone,
    ) -> Result<Option<OffsetDateTime>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => parse_filter_datetime(v, zone)
                .map(Some)
                .ok_or_else(|| ApiError::invalid_field(name, "Enter a valid date/time.")),
        }
    }

    /// The `expand` parameter's names (`expand=a,b`).
    pub fn expands(&self, name: &str) -> bool {
        self.query
            .iter()
            .filter(|(k, _)| k == "expand")
            .flat_map(|(_, v)| v.split(','))
            .any(|v| v.trim() == name)
    }
}

/// `{id, name}` references inside events and slots.
#[derive(Serialize, Clone, Debug)]
pub struct NamedRef {
    pub id: u64,
    pub name: String,
}
