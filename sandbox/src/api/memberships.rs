//! Memberships (the catalogue) and their payment plans.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;

use super::auth::{Ctx, Mode, Reader};
use super::pagination::{paginate, Page, MAX_PAGE_SIZE};
use super::{ApiError, Req};
use crate::data::{BillingUnit, Currency, CustomerMembershipStatus, Membership, MembershipType, PaymentPlan, StudioData};
use crate::money::{format_amount, Money};
use crate::state::Sandbox;

/// A membership as memberships/endpoints_memberships-list.md gives it.
#[derive(Serialize)]
pub struct MembershipOut {
    pub id: u64,
    pub object: &'static str,
    #[serde(rename = "type")]
    pub kind: MembershipType,
    pub name: String,
    pub description: String,
    pub begin_on_first_registration: bool,
    pub start_date: Option<String>,
    pub expiration_date: Option<String>,
    /// A required integer on the page: 0 when the membership has no fixed length.
    pub duration: u32,
    pub duration_unit: String,
    pub one_time_fee: Money,
    pub price: Money,
    /// Required (not nullable) on the page: the price itself unless the studio set another.
    pub display_price: Money,
    pub use_prorate: bool,
    pub category: u64,
    pub is_dropin: bool,
    pub for_sale: bool,
    pub has_active_members: bool,
    pub active_member_count: u64,
    pub allow_repeat_purchases: bool,
    pub visible_to_customers: bool,
    pub purchasable_only_by_provider: bool,
    pub new_customers_only: bool,
    pub penalty_system: Option<u64>,
    /// Related resource: `<base>/api/v2/memberships/<id>/allotment`.
    pub allotment: String,
    /// Related collection: `<base>/api/v2/membership_payment_plans?membership=<id>`.
    pub plans: String,
    /// Related collection: `<base>/api/v2/membership_terms?membership=<id>`.
    pub terms: String,
    pub is_draft: bool,
    pub incomplete_reasons: Vec<String>,
    pub shareable: bool,
}

pub fn membership_out(m: &Membership, data: &StudioData, currency: &Currency, base: &str) -> MembershipOut {
    let active = data
        .customer_memberships
        .iter()
        .filter(|c| c.membership == m.id && c.status == CustomerMembershipStatus::Active)
        .count() as u64;
    MembershipOut {
        id: m.id,
        object: "membership",
        kind: m.kind,
        name: m.name.clone(),
        description: m.description.clone(),
        begin_on_first_registration: m.begin_on_first_registration,
        start_date: m.start_date.clone(),
        expiration_date: m.expiration_date.clone(),
        duration: m.duration.unwrap_or(0),
        duration_unit: m.duration_unit.clone().unwrap_or_else(|| "days".into()),
        one_time_fee: Money::new(m.one_time_fee, currency),
        price: Money::new(m.price, currency),
        display_price: Money::new(m.display_price.unwrap_or(m.price), currency),
        use_prorate: m.use_prorate,
        category: m.category.unwrap_or(0),
        is_dropin: m.is_dropin,
        for_sale: m.for_sale,
        has_active_members: active > 0,
        active_member_count: active,
        allow_repeat_purchases: m.allow_repeat_purchases,
        visible_to_customers: m.visible_to_customers,
        purchasable_only_by_provider: m.purchasable_only_by_provider,
        new_customers_only: m.new_customers_only,
        penalty_system: None,
        allotment: format!("{base}/api/v2/memberships/{}/allotment", m.id),
        plans: plans_url(base, m.id),
        terms: format!("{base}/api/v2/membership_terms?membership={}", m.id),
        is_draft: m.is_draft,
        incomplete_reasons: vec![],
        shareable: false,
    }
}

pub fn plans_url(base: &str, membership: u64) -> String {
    format!("{base}/api/v2/membership_payment_plans?membership={membership}")
}

/// Customer mode never sees hidden or draft memberships (they 404 there).
pub fn visible_in(m: &Membership, ctx: &Ctx) -> bool {
    m.provider == ctx.provider.id
        && (ctx.mode == Mode::Provider || (m.visible_to_customers && !m.is_draft))
}

pub async fn list(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
) -> Result<Json<Page<MembershipOut>>, ApiError> {
    let for_sale = req.bool_param("for_sale")?;
    let visible = req.bool_param("visible_to_customers")?;
    let is_dropin = req.bool_param("is_dropin")?;
    let allow_repeat = req.bool_param("allow_repeat_purchases")?;
    let permits_event = req.int_param("permits_registration_for_event")?;
    let offering_type = req.int_param("offering_type")?;
    let categories = req.int_list("categories")?;

    let state = sb.lock();
    // The offering type of the event (None: no such event here, so nothing permits it).
    let event_offering = permits_event.map(|id| {
        state
            .data
            .event(id)
            .filter(|e| e.provider == ctx.provider.id)
            .map(|e| e.offering_type)
    });
    let items = state
        .data
        .memberships
        .iter()
        .filter(|m| visible_in(m, &ctx))
        .filter(|m| for_sale.is_none_or(|v| m.for_sale == v))
        .filter(|m| visible.is_none_or(|v| m.visible_to_customers == v))
        .filter(|m| is_dropin.is_none_or(|v| m.is_dropin == v))
        .filter(|m| allow_repeat.is_none_or(|v| m.allow_repeat_purchases == v))
        .filter(|m| offering_type.is_none_or(|o| m.offering_types.contains(&o)))
        .filter(|m| {
            categories
                .as_ref()
                .is_none_or(|c| m.category.is_some_and(|mc| c.contains(&mc)))
        })
        .filter(|m| match event_offering {
            None => true,
            Some(None) => false,
            Some(Some(o)) => m.offering_types.contains(&o),
        })
        .map(|m| membership_out(m, &state.data, &ctx.provider.currency, &req.base))
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}

pub async fn retrieve(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
    Path(id): Path<String>,
) -> Result<Json<MembershipOut>, ApiError> {
    let state = sb.lock();
    let m = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.data.membership(id))
        .filter(|m| visible_in(m, &ctx))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(membership_out(m, &state.data, &ctx.provider.currency, &req.base)))
}

#[derive(Serialize)]
pub struct JoiningFeeOut {
    pub id: u64,
    pub object: &'static str,
    pub amount: Money,
}

/// A payment plan as memberships/endpoints_membership-payment-plans-list.md gives it.
#[derive(Serialize)]
pub struct PlanOut {
    pub id: u64,
    pub object: &'static str,
    pub status: &'static str,
    pub membership: u64,
    pub price: Money,
    pub billing_period_length: u32,
    pub billing_period_unit: BillingUnit,
    pub committed_billing_periods: Option<u32>,
    /// Both required (not nullable) on the page: the studio's fixed billing day when it has
    /// one, else TeamUp's defaults (the 1st, Monday) that the plan's schedule does not use.
    pub fixed_billing_day_of_month: u8,
    pub fixed_billing_day_of_week: String,
    pub commitment_expiration_scheme: String,
    pub cancellation_notice_days: Option<u32>,
    pub enrollment_schedule: String,
    pub duration_description: String,
    pub price_with_period: String,
    /// Deferred in TeamUp: present only with `expand=joining_fee` (then an object or null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joining_fee: Option<Option<JoiningFeeOut>>,
}

/// "month", "2 weeks"
fn period(length: u32, unit: BillingUnit) -> String {
    let word = match unit {
        BillingUnit::Months => "month",
        BillingUnit::Weeks => "week",
    };
    if length == 1 {
        word.to_string()
    } else {
        format!("{length} {word}s")
    }
}

/// "£79.00 every month" unless the data gives its own text.
pub fn price_with_period(p: &PaymentPlan, currency: &Currency) -> String {
    if !p.price_with_period.is_empty() {
        return p.price_with_period.clone();
    }
    format!(
        "{} every {}",
        format_amount(p.price, currency),
        period(p.billing_period_length, p.billing_period_unit)
    )
}

/// "12-month minimum term, then every month" / "Until cancelled" unless the data gives its own.
pub fn duration_description(p: &PaymentPlan) -> String {
    if !p.duration_description.is_empty() {
        return p.duration_description.clone();
    }
    match p.committed_billing_periods {
        Some(n) => {
            let total = n * p.billing_period_length;
            let unit = match p.billing_period_unit {
                BillingUnit::Months => "month",
                BillingUnit::Weeks => "week",
            };
            format!(
                "{total}-{unit} minimum term, then every {}",
                period(p.billing_period_length, p.billing_period_unit)
            )
        }
        None => "Until cancelled".to_string(),
    }
}

pub fn plan_out(p: &PaymentPlan, currency: &Currency, expand_fee: bool) -> PlanOut {
    PlanOut {
        id: p.id,
        object: "membership_payment_plan",
        status: p.status.as_str(),
        membership: p.membership,
        price: Money::new(p.price, currency),
        billing_period_length: p.billing_period_length,
        billing_period_unit: p.billing_period_unit,
        committed_billing_periods: p.committed_billing_periods,
        fixed_billing_day_of_month: p.fixed_billing_day_of_month.unwrap_or(1),
        fixed_billing_day_of_week: p.fixed_billing_day_of_week.clone().unwrap_or_else(|| "monday".into()),
        commitment_expiration_scheme: p.commitment_expiration_scheme.clone(),
        cancellation_notice_days: p.cancellation_notice_days,
        enrollment_schedule: p.enrollment_schedule.clone(),
        duration_description: duration_description(p),
        price_with_period: price_with_period(p, currency),
        joining_fee: expand_fee.then(|| {
            p.joining_fee.as_ref().map(|f| JoiningFeeOut {
                id: f.id,
                object: "joining_fee",
                amount: Money::new(f.amount, currency),
            })
        }),
    }
}

/// TeamUp documents plans as super_admin only; customers may read the plans of memberships
/// they can see (ASSUMPTION, see README) so the widget can offer them.
fn plan_visible(p: &PaymentPlan, data: &StudioData, ctx: &Ctx) -> bool {
    data.membership(p.membership)
        .is_some_and(|m| visible_in(m, ctx))
}

fn require_plan_permission(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.mode == Mode::Provider
        && !ctx
            .profile
            .as_ref()
            .is_some_and(|p| p.permissions.iter().any(|p| p == "super_admin"))
    {
        return Err(ApiError::permission_denied(
            "You do not have permission to perform this action.",
        ));
    }
    Ok(())
}

pub async fn list_plans(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
) -> Result<Json<Page<PlanOut>>, ApiError> {
    require_plan_permission(&ctx)?;
    let membership = req.int_param("membership")?;
    let status = match req.get("status") {
        None => None,
        Some(s) => Some(crate::data::PlanStatus::parse(s.trim()).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                format!("Select a valid choice. {s} is not one of the available choices."),
            )
        })?),
    };
    let expand_fee = req.expands("joining_fee");
    let state = sb.lock();
    let items = state
        .data
        .payment_plans
        .iter()
        .filter(|p| plan_visible(p, &state.data, &ctx))
        .filter(|p| membership.is_none_or(|m| p.membership == m))
        .filter(|p| status.is_none_or(|s| p.status == s))
        .map(|p| plan_out(p, &ctx.provider.currency, expand_fee))
        .collect();
    Ok(Json(paginate(&req, items, MAX_PAGE_SIZE)?))
}

pub async fn retrieve_plan(
    State(sb): State<Sandbox>,
    Reader(ctx): Reader,
    req: Req,
    Path(id): Path<String>,
) -> Result<Json<PlanOut>, ApiError> {
    require_plan_permission(&ctx)?;
    let state = sb.lock();
    let p = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.data.plan(id))
        .filter(|p| plan_visible(p, &state.data, &ctx))
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(plan_out(
        p,
        &ctx.provider.currency,
        req.expands("joining_fee"),
    )))
}
