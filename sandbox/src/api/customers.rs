//! What a customer holds and has booked: `GET /customer_memberships` (and `/:id`), as
//! customers/endpoints_customer-memberships-list.md gives them, and `GET /attendances`, as
//! attendance/endpoints_attendances-list.md gives them. The widget reads both when a customer
//! comes back from the payment page, to confirm what was bought. In customer mode a customer
//! sees only their own.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::auth::{Ctx, Mode};
use super::pagination::{paginate, Page, MAX_PAGE_SIZE};
use super::{ApiError, Req};
use crate::data::{Attendance, CustomerMembership, CustomerMembershipStatus, StudioData};
use crate::money::Money;
use crate::state::Sandbox;

#[derive(Serialize)]
pub struct CustomerMembershipOut {
    pub id: u64,
    pub object: &'static str,
    pub name: String,
    pub start_date: String,
    pub expiration_date: Option<String>,
    pub renewal_date: String,
    pub status: &'static str,
    pub membership: u64,
    pub customer: u64,
    pub discount_code: Option<u64>,
    pub billed_price: Money,
    pub active_hold: Option<u64>,
    pub payment_subscription: Option<u64>,
    /// Typed `string` on the page (sic).
    pub discount_code_makes_free_forever: &'static str,
    /// Typed `string` on the page (sic).
    pub is_set_for_cancellation: &'static str,
    pub cancellation_reason: Option<&'static str>,
}

fn customer_membership_out(c: &CustomerMembership, data: &StudioData, ctx: &Ctx) -> CustomerMembershipOut {
    CustomerMembershipOut {
        id: c.id,
        object: "customermembership",
        name: data.membership(c.membership).map(|m| m.name.clone()).unwrap_or_default(),
        start_date: c.start_date.clone(),
        expiration_date: c.expiration_date.clone(),
        renewal_date: c.renewal_date.clone(),
        status: c.status.as_str(),
        membership: c.membership,
        customer: c.customer,
        discount_code: None,
        billed_price: Money::new(c.billed, &ctx.provider.currency),
        active_hold: None,
        // A recurring membership is billed through a subscription (its id is the membership's).
        payment_subscription: c.payment_plan.map(|_| c.id),
        discount_code_makes_free_forever: "false",
        is_set_for_cancellation: "false",
        cancellation_reason: None,
    }
}

/// Customers see their own; staff every customer of the studio.
fn visible_to(customer: u64, provider: u64, ctx: &Ctx) -> bool {
    provider == ctx.provider.id && (ctx.mode == Mode::Provider || ctx.profile_id() == Some(customer))
}

/// A choice-list filter (`status=active,hold`), each value checked against `allowed`.
fn choices<'a>(req: &'a Req, name: &str, allowed: &[&str]) -> Result<Option<Vec<&'a str>>, ApiError> {
    let values = req.list(name);
    if values.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = values.iter().find(|v| !allowed.contains(v)) {
        return Err(ApiError::invalid_field(
            name,
            format!("Select a valid choice. {bad} is not one of the available choices."),
        ));
    }
    Ok(Some(values))
}

/// Filters: `customer`, `membership`, `ids` (integer lists), `status` (the page's filter values
/// `active`, `hold`, `complete`, `cancelled`: its filter says `complete` where the object says
/// `completed`).
pub async fn list_memberships(
    State(sb): State<Sandbox>,
    ctx: Ctx,
    req: Req,
) -> Result<Json<Page<CustomerMembershipOut>>, ApiError> {
    let customers = req.int_list("customer")?;
    let memberships = req.int_list("membership")?;
    let ids = req.int_list("ids")?;
    let statuses = choices(&req, "status", &["active", "hold", "complete", "cancelled"])?;
    let wanted = |s: CustomerMembershipStatus| {
        statuses.as_ref().is_none_or(|list| {
            list.iter().any(|v| match *v {
                "complete" => s == CustomerMembershipStatus::Completed,
                other => s.as_str() == other,
            })
        })
    };
    let state = sb.lock();
    let items = state
        .data
        .customer_memberships
        .iter()
        .filter(|c| visible_to(c.customer, c.provider, &ctx))
        .filter(|c| customers.as_ref().is_none_or(|l| l.contains(&c.customer)))
        .filter(|c| memberships.as_ref().is_none_or(|l| l.contains(&c.membership)))
        .filter(|c| ids.as_ref().is_none_or(|l| l.contains(&c.id)))
        .filter(|c| wanted(c.status))
        .map(|c| customer_membership_out(c, &state.data, &ctx))
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}

pub async fn retrieve_membership(
    State(sb): State<Sandbox>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<CustomerMembershipOut>, ApiError> {
    let state = sb.lock();
    let c = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.data.customer_memberships.iter().find(|c| c.id == id))
        .filter(|c| visible_to(c.customer, c.provider, &ctx))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(customer_membership_out(c, &state.data, &ctx)))
}

#[derive(Serialize)]
pub struct AttendanceOut {
    pub id: u64,
    pub object: &'static str,
    pub customer: Option<u64>,
    pub event: u64,
    pub status: String,
    pub customer_membership: Option<u64>,
    pub booking_source: Option<()>,
}

fn attendance_out(a: &Attendance) -> AttendanceOut {
    AttendanceOut {
        id: a.id,
        object: "attendance",
        customer: Some(a.customer),
        event: a.event,
        status: a.status.clone(),
        customer_membership: a.customer_membership,
        booking_source: None,
    }
}

/// Filters: `customer`, `event` (integer lists), `event_starts_at_gte`/`_lte` (the class's
/// start), `status` (`plans_to_attend`: registered, or on the waitlist).
pub async fn list_attendances(
    State(sb): State<Sandbox>,
    ctx: Ctx,
    req: Req,
) -> Result<Json<Page<AttendanceOut>>, ApiError> {
    let zone = ctx.provider.zone();
    let customers = req.int_list("customer")?;
    let events = req.int_list("event")?;
    let from = req.datetime_param("event_starts_at_gte", zone)?;
    let to = req.datetime_param("event_starts_at_lte", zone)?;
    let statuses = choices(
        &req,
        "status",
        &["not_registered", "registered", "attended", "no_show", "late_cancelled", "plans_to_attend"],
    )?;
    let state = sb.lock();
    let items = state
        .data
        .attendances
        .iter()
        .filter(|a| visible_to(a.customer, a.provider, &ctx))
        .filter(|a| customers.as_ref().is_none_or(|l| l.contains(&a.customer)))
        .filter(|a| events.as_ref().is_none_or(|l| l.contains(&a.event)))
        .filter(|a| {
            let starts = state.data.event(a.event).map(|e| e.starts_at);
            from.is_none_or(|t| starts.is_some_and(|s| s >= t)) && to.is_none_or(|t| starts.is_some_and(|s| s <= t))
        })
        .filter(|a| {
            statuses.as_ref().is_none_or(|l| {
                l.iter().any(|v| *v == a.status || (*v == "plans_to_attend" && a.status == "registered"))
            })
        })
        .map(attendance_out)
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}
