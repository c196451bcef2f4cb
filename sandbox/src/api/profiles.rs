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

#[derive(Serialize)]
pub struct ProviderOut {
    pub id: u64,
    pub object: &'static str,
    pub name: String,
    pub timezone: String,
    pub currency: CurrencyOut,
    pub country: String,
}

impl From<&Provider> for ProviderOut {
    fn from(p: &Provider) -> Self {
        ProviderOut {
            id: p.id,
            object: "provider",
            name: p.name.clone(),
            timezone: p.timezone.clone(),
            currency: CurrencyOut {
                iso_currency_code: p.currency.iso_currency_code.to_lowercase(),
                symbol: p.currency.symbol.clone(),
                position: p.currency.position.clone(),
            },
            country: p.country.clone(),
        }
    }
}

/// `provider` is an id unless `expand=provider`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ProviderField {
    Id(u64),
    Expanded(ProviderOut),
}

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
                Some(prov) if expand => ProviderField::Expanded(prov.into()),
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

/// Only the provider the request is scoped to is visible.
pub async fn provider(Reader(ctx): Reader, Path(id): Path<String>) -> Result<Json<ProviderOut>, ApiError> {
    match id.parse::<u64>() {
        Ok(id) if id == ctx.provider.id => Ok(Json((&ctx.provider).into())),
        _ => Err(ApiError::not_found()),
    }
}
