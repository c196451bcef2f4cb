//! `GET /auth/profiles` ("who am I": the customer id to purchase as) and `GET /providers/:id`.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::auth::{Authed, Reader};
use super::pagination::{paginate, Page, MAX_PAGE_SIZE};
use super::{ApiError, Req};
use crate::data::{ProfileType, Provider};
use crate::state::Sandbox;

#[derive(Serialize)]
pub struct CurrencyOut {
    pub iso_currency_code: String,
    pub symbol: String,
    pub position: String,
}

/// The studio's postal address, deferred in TeamUp (`expand=address`): it holds the studio's
/// time zone (providers/endpoints_providers-retrieve.md).
#[derive(Serialize)]
pub struct AddressOut {
    pub street: String,
    pub street_secondary: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
    pub timezone: String,
}

/// A provider as providers/endpoints_providers-retrieve.md gives it. `icalendar_links`,
/// `contact_info` and `default_registration_settings` are deferred too; the sandbox does not
/// expand them, so they never appear.
#[derive(Serialize)]
pub struct ProviderOut {
    pub id: u64,
    pub object: &'static str,
    pub name: String,
    pub description: String,
    pub logo: Option<()>,
    pub country: String,
    pub currency: CurrencyOut,
    pub is_marketing_preference_on_customer_forms: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressOut>,
}

impl ProviderOut {
    pub fn of(p: &Provider, with_address: bool) -> Self {
        ProviderOut {
            id: p.id,
            object: "provider",
            name: p.name.clone(),
            description: p.description.clone(),
            logo: None,
            country: p.country.clone(),
            currency: CurrencyOut {
                iso_currency_code: p.currency.iso_currency_code.to_lowercase(),
                symbol: p.currency.symbol.clone(),
                position: p.currency.position.clone(),
            },
            is_marketing_preference_on_customer_forms: false,
            address: with_address.then(|| AddressOut {
                street: p.street.clone(),
                street_secondary: p.street_secondary.clone(),
                city: p.city.clone(),
                region: p.region.clone(),
                postal_code: p.postal_code.clone(),
                country: p.country.clone(),
                timezone: p.timezone.clone(),
            }),
        }
    }
}

/// `provider` is an id unless `expand=provider` (auth/endpoints_auth-profiles-list.md).
#[derive(Serialize)]
#[serde(untagged)]
pub enum ProviderField {
    Id(u64),
    Expanded(ProviderOut),
}

/// A StaffProfile or CustomerProfile (auth/endpoints_auth-profiles-list.md): no `object` field;
/// staff have `permissions`; the customer's `venue` is deferred and not expanded here.
#[derive(Serialize)]
pub struct ProfileOut {
    pub id: u64,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profile_type: &'static str,
    pub provider: ProviderField,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BTreeMap<String, bool>>,
}

pub async fn list(
    State(sb): State<Sandbox>,
    auth: Authed,
    req: Req,
) -> Result<Json<Page<ProfileOut>>, ApiError> {
    let expand = req.expands("provider");
    let with_address = req.expands("provider.address");
    let state = sb.lock();
    let user = &auth.user;
    let items: Vec<ProfileOut> = user
        .profiles
        .iter()
        .map(|p| ProfileOut {
            id: p.id,
            name: user.name(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            email: user.email.clone(),
            profile_type: p.profile_type.as_str(),
            provider: match state.data.provider(p.provider) {
                Some(prov) if expand => ProviderField::Expanded(ProviderOut::of(prov, with_address)),
                _ => ProviderField::Id(p.provider),
            },
            permissions: (p.profile_type == ProfileType::Staff).then(|| {
                p.permissions
                    .iter()
                    .map(|name| (name.clone(), true))
                    .collect()
            }),
        })
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}

/// Only the provider the request is scoped to is visible; `expand=address` adds its address
/// (and so its time zone).
pub async fn provider(Reader(ctx): Reader, req: Req, Path(id): Path<String>) -> Result<Json<ProviderOut>, ApiError> {
    match id.parse::<u64>() {
        Ok(id) if id == ctx.provider.id => Ok(Json(ProviderOut::of(&ctx.provider, req.expands("address")))),
        _ => Err(ApiError::not_found()),
    }
}
