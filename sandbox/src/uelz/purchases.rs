//! `POST /uelz/purchases`: every rule of docs/contract.md §3, one 422 (with `field`) at a time,
//! `external_id` idempotency, and amounts in integer cents.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use time::{Date, Duration, OffsetDateTime};

use super::currency::is_iso_4217;
use super::data::{parse_date, DiscountType, PlanStatus, PlanType, UelzData};
use super::state::{new_id, Purchase, PurchaseRequest, PurchaseType, UelzState, UelzStatus};
use super::{json_object, opt_string, Query, UelzAuth, UelzError};
use crate::config::UelzConfig;
use crate::state::Sandbox;

pub const EXTERNAL_ID_MAX: usize = 64;

/// The body fields this route reads, in the order they are checked. Others are ignored.
const FIELDS: [&str; 9] = [
    "plan",
    "customer",
    "external_id",
    "coupon",
    "billing_configuration",
    "currency",
    "payment_method",
    "service_activation_date",
    "end_date",
];

/// Reads the known fields (absent or null = not given; not a string = 422; an empty string =
/// 422, since every field is an id, code, token or date).
pub fn parse_request(
    body: &Map<String, Value>,
    merchant: Option<&str>,
) -> Result<PurchaseRequest, UelzError> {
    let mut v: Vec<Option<String>> = Vec::with_capacity(FIELDS.len());
    for f in FIELDS {
        let s = opt_string(body, f)?;
        if s.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(UelzError::validation(f, format!("{f} must not be empty")));
        }
        v.push(s);
    }
    let mut it = v.into_iter();
    let mut next = || it.next().flatten();
    Ok(PurchaseRequest {
        plan: next(),
        customer: next(),
        external_id: next(),
        coupon: next(),
        billing_configuration: next(),
        currency: next(),
        payment_method: next(),
        service_activation_date: next(),
        end_date: next(),
        merchant: merchant.map(str::to_string),
    })
}

/// What a valid request turns into (everything but the id and creation time).
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub kind: PurchaseType,
    pub plan: String,
    pub customer: String,
    pub coupon: Option<String>,
    pub currency: String,
    pub amount: i64,
    pub discount_amount: i64,
    pub amount_due: i64,
    pub service_activation_date: Option<Date>,
    pub end_date: Option<Date>,
    pub first_charge_date: Date,
}

fn date_field(field: &str, raw: &Option<String>) -> Result<Option<Date>, UelzError> {
    match raw {
        None => Ok(None),
        Some(s) => parse_date(s.trim()).map(Some).ok_or_else(|| {
            UelzError::validation(
                field,
                format!("{field} must be a date in the form YYYY-MM-DD"),
            )
        }),
    }
}

/// The rules, in order; the first that fails is reported. `today` is the UTC date.
pub fn validate(
    req: &PurchaseRequest,
    data: &UelzData,
    cfg: &UelzConfig,
    today: Date,
) -> Result<Validated, UelzError> {
    if let Some(ext) = &req.external_id {
        if ext.chars().count() > EXTERNAL_ID_MAX {
            return Err(UelzError::validation(
                "external_id",
                format!("external_id must be at most {EXTERNAL_ID_MAX} characters"),
            ));
        }
    }
    if let Some(m) = &req.merchant {
        if !cfg.merchants.iter().any(|k| k == m) {
            return Err(UelzError::validation(
                &cfg.merchant_param,
                format!("Unknown merchant {m:?}"),
            ));
        }
    }

    let plan_id = req
        .plan
        .as_deref()
        .ok_or_else(|| UelzError::validation("plan", "plan is required"))?;
    let plan = data
        .plan(plan_id)
        .ok_or_else(|| UelzError::validation("plan", format!("No plan with id {plan_id:?}")))?;
    if plan.status != PlanStatus::Active {
        return Err(UelzError::validation(
            "plan",
            format!("Plan {plan_id:?} is archived and can't be purchased"),
        ));
    }

    let customer_id = req
        .customer
        .as_deref()
        .ok_or_else(|| UelzError::validation("customer", "customer is required"))?;
    if data.customer(customer_id).is_none() {
        return Err(UelzError::validation(
            "customer",
            format!("No customer with id {customer_id:?}"),
        ));
    }

    let currency = match &req.currency {
        None => plan.plan_currency.clone(),
        Some(c) if !is_iso_4217(c) => {
            return Err(UelzError::validation(
                "currency",
                format!("{c:?} is not an ISO 4217 currency code (upper case, e.g. EUR)"),
            ))
        }
        Some(c) if *c != plan.plan_currency => {
            return Err(UelzError::validation(
                "currency",
                format!(
                    "currency {c} doesn't match the plan's currency {}",
                    plan.plan_currency
                ),
            ))
        }
        Some(c) => c.clone(),
    };

    let coupon = match &req.coupon {
        None => None,
        Some(id) => {
            let c = data.coupon(id).ok_or_else(|| {
                UelzError::validation("coupon", format!("No coupon with id {id:?}"))
            })?;
            if !c.active {
                return Err(UelzError::validation(
                    "coupon",
                    format!("Coupon {} is not active", c.code),
                ));
            }
            if let Some(until) = c.valid_until {
                if until < today {
                    return Err(UelzError::validation(
                        "coupon",
                        format!(
                            "Coupon {} expired on {}",
                            c.code,
                            super::data::format_date(until)
                        ),
                    ));
                }
            }
            if !c.applies_to(&plan.id) {
                return Err(UelzError::validation(
                    "coupon",
                    format!("Coupon {} can't be used with plan {:?}", c.code, plan.id),
                ));
            }
            if c.discount_type == DiscountType::FixedAmount
                && c.currency.as_deref() != Some(currency.as_str())
            {
                return Err(UelzError::validation(
                    "coupon",
                    format!(
                        "Coupon {} is in {} but the purchase is in {currency}",
                        c.code,
                        c.currency.as_deref().unwrap_or("no currency")
                    ),
                ));
            }
            Some(c)
        }
    };

    if let Some(bc) = &req.billing_configuration {
        if data.billing_configuration(bc).is_none() {
            return Err(UelzError::validation(
                "billing_configuration",
                format!("No billing configuration with id {bc:?}"),
            ));
        }
    }
    // payment_method: any non-empty token (emptiness is refused while parsing).

    let activation = date_field("service_activation_date", &req.service_activation_date)?;
    if let Some(a) = activation {
        if !plan.has_service_activation_date {
            return Err(UelzError::validation(
                "service_activation_date",
                format!("Plan {:?} doesn't take a service activation date", plan.id),
            ));
        }
        if a < today {
            return Err(UelzError::validation(
                "service_activation_date",
                "service_activation_date can't be in the past",
            ));
        }
    }

    let end = date_field("end_date", &req.end_date)?;
    if let Some(e) = end {
        if plan.billing_cycles.is_some() {
            return Err(UelzError::validation(
                "end_date",
                format!(
                    "Plan {:?} has billing cycles, so it can't take an end_date",
                    plan.id
                ),
            ));
        }
        match activation {
            Some(a) if e <= a => {
                return Err(UelzError::validation(
                    "end_date",
                    "end_date must be after the service_activation_date",
                ))
            }
            None if e <= today => {
                return Err(UelzError::validation(
                    "end_date",
                    "end_date must be after today",
                ))
            }
            _ => {}
        }
    }

    let amount = plan.amount;
    let discount_amount = coupon.map_or(0, |c| c.discount_on(amount));
    let start = activation.map_or(today, |a| a.max(today));
    Ok(Validated {
        kind: match plan.plan_type {
            PlanType::OneTime => PurchaseType::Unique,
            PlanType::Subscription => PurchaseType::Subscription,
        },
        plan: plan.id.clone(),
        customer: customer_id.to_string(),
        coupon: coupon.map(|c| c.id.clone()),
        currency,
        amount,
        discount_amount,
        amount_due: amount - discount_amount,
        service_activation_date: activation,
        end_date: end,
        first_charge_date: start + Duration::days(i64::from(plan.trial_days)),
    })
}

/// How a create request was answered.
#[derive(Debug)]
pub enum Outcome {
    Created(Purchase),
    Replayed(Purchase),
}

/// Idempotency, then validation, then creation: all under the caller's lock, so two concurrent
/// requests with one `external_id` cannot both create.
pub fn create_in(
    state: &mut UelzState,
    req: PurchaseRequest,
    cfg: &UelzConfig,
    now: OffsetDateTime,
) -> Result<Outcome, UelzError> {
    if let Some(ext) = &req.external_id {
        if let Some(existing) = state.by_external_id(ext) {
            return if existing.request == req {
                Ok(Outcome::Replayed(existing.clone()))
            } else {
                Err(UelzError::conflict(
                    "external_id",
                    "A purchase with this external_id already exists with different parameters",
                ))
            };
        }
    }
    let v = validate(&req, &state.data, cfg, now.date())?;
    // Millisecond precision, exactly what created_at prints.
    let created_at = now
        .replace_nanosecond(u32::from(now.millisecond()) * 1_000_000)
        .unwrap_or(now);
    let purchase = Purchase {
        id: new_id("clpu"),
        object: "purchase",
        kind: v.kind,
        status: UelzStatus::Incomplete,
        plan: v.plan,
        customer: v.customer,
        external_id: req.external_id.clone(),
        coupon: v.coupon,
        billing_configuration: req.billing_configuration.clone(),
        currency: v.currency,
        amount: v.amount,
        discount_amount: v.discount_amount,
        amount_due: v.amount_due,
        payment_method: req.payment_method.clone(),
        service_activation_date: v.service_activation_date,
        end_date: v.end_date,
        first_charge_date: v.first_charge_date,
        merchant_id: req.merchant.clone(),
        created_at,
        request: req,
    };
    state.purchases.push(purchase.clone());
    Ok(Outcome::Created(purchase))
}

pub async fn create(
    State(sb): State<Sandbox>,
    _: UelzAuth,
    q: Query,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cfg = sb.uelz_config();
    let result = json_object(&headers, &body)
        .and_then(|body| parse_request(&body, q.get(&cfg.merchant_param)))
        .and_then(|req| create_in(&mut sb.lock().uelz, req, cfg, OffsetDateTime::now_utc()));
    match result {
        Ok(Outcome::Created(p)) => (StatusCode::CREATED, Json(p.to_json())).into_response(),
        Ok(Outcome::Replayed(p)) => (StatusCode::OK, Json(p.to_json())).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /uelz/purchases?external_id=` (ASSUMPTION: the public docs name no purchase listing;
/// `external_id` is "used for idempotency and reconciliation", so a lookup by it is assumed):
/// a plain array of the purchases with that exact `external_id` (0 or 1), with their current
/// status; `customer=` filters by customer id (extra); no filter: every purchase, oldest first.
pub async fn list(State(sb): State<Sandbox>, _: UelzAuth, q: Query) -> Json<Vec<Value>> {
    let external_id = q.get("external_id");
    let customer = q.get("customer");
    let state = sb.lock();
    Json(
        state
            .uelz
            .purchases
            .iter()
            .filter(|p| external_id.is_none_or(|e| p.external_id.as_deref() == Some(e)))
            .filter(|p| customer.is_none_or(|c| p.customer == c))
            .map(Purchase::to_json)
            .collect(),
    )
}

/// `GET /uelz/purchases/:id` (extra: lets a client look a purchase up after a 409).
pub async fn retrieve(
    State(sb): State<Sandbox>,
    _: UelzAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>, UelzError> {
    sb.lock()
        .uelz
        .purchase(&id)
        .map(|p| Json(p.to_json()))
        .ok_or_else(|| UelzError::not_found(format!("No purchase with id {id:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::{date, datetime};

    const MONTHLY: &str = "clpl0month1yun11m1ted00002";
    const ANNUAL: &str = "clpl0annua1un11m1ted000003";
    const COMMIT: &str = "clpl0comm1t12month0000004";
    const REFORMER: &str = "clpl0reformerstart0000006";
    const ONLINE_USD: &str = "clpl0on11neclassesusd0007";
    const ARCHIVED: &str = "clpl0o1darch1ved000000008";
    const CARD: &str = "clpl0drop1n10card000000001";
    const ALEX: &str = "clcu0a1exrunner0000000001";
    const TODAY: Date = date!(2026 - 05 - 10);

    fn cfg() -> UelzConfig {
        UelzConfig {
            data: UelzData::demo_at(TODAY),
            ..UelzConfig::demo()
        }
    }

    fn coupon_id(code: &str) -> String {
        cfg()
            .data
            .coupons
            .iter()
            .find(|c| c.code == code)
            .unwrap()
            .id
            .clone()
    }

    fn req(plan: &str) -> PurchaseRequest {
        PurchaseRequest {
            plan: Some(plan.into()),
            customer: Some(ALEX.into()),
            ..Default::default()
        }
    }

    fn check(r: PurchaseRequest) -> Result<Validated, UelzError> {
        let c = cfg();
        validate(&r, &c.data, &c, TODAY)
    }

    #[track_caller]
    fn refused(r: PurchaseRequest, field: &str, contains: &str) {
        let e = check(r).unwrap_err();
        assert_eq!(e.status.as_u16(), 422, "{e:?}");
        assert_eq!(e.error, "validation_error");
        assert_eq!(e.field.as_deref(), Some(field), "{e:?}");
        assert!(
            e.message.contains(contains),
            "{:?} lacks {contains:?}",
            e.message
        );
    }

    #[test]
    fn parse_reads_strings_and_refuses_other_types() {
        let body = json!({"plan": MONTHLY, "customer": ALEX, "coupon": null, "extra": 5});
        let r = parse_request(body.as_object().unwrap(), Some("mer_riverside_01")).unwrap();
        assert_eq!(r.plan.as_deref(), Some(MONTHLY));
        assert_eq!(r.coupon, None);
        assert_eq!(r.merchant.as_deref(), Some("mer_riverside_01"));
        let e = parse_request(json!({"plan": 7}).as_object().unwrap(), None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("plan"));
        let e =
            parse_request(json!({"payment_method": "  "}).as_object().unwrap(), None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("payment_method"));
    }

    #[test]
    fn plain_purchase_defaults_currency_and_dates() {
        let v = check(req(MONTHLY)).unwrap();
        assert_eq!(v.currency, "EUR");
        assert_eq!(
            (v.amount, v.discount_amount, v.amount_due),
            (5_900, 0, 5_900)
        );
        assert_eq!(v.first_charge_date, TODAY);
        assert_eq!(v.kind, PurchaseType::Subscription);
        assert_eq!(check(req(CARD)).unwrap().kind, PurchaseType::Unique);
    }

    #[test]
    fn plan_and_customer_rules() {
        refused(
            PurchaseRequest {
                plan: None,
                ..req(MONTHLY)
            },
            "plan",
            "required",
        );
        refused(req("clpl_nope"), "plan", "No plan");
        refused(req(ARCHIVED), "plan", "archived");
        refused(
            PurchaseRequest {
                customer: None,
                ..req(MONTHLY)
            },
            "customer",
            "required",
        );
        refused(
            PurchaseRequest {
                customer: Some("clcu_nobody".into()),
                ..req(MONTHLY)
            },
            "customer",
            "No customer",
        );
    }

    #[test]
    fn currency_rules() {
        let with = |plan: &str, c: &str| PurchaseRequest {
            currency: Some(c.into()),
            ..req(plan)
        };
        assert_eq!(check(with(MONTHLY, "EUR")).unwrap().currency, "EUR");
        assert_eq!(check(req(ONLINE_USD)).unwrap().currency, "USD");
        refused(with(MONTHLY, "eur"), "currency", "ISO 4217");
        refused(with(MONTHLY, "EURO"), "currency", "ISO 4217");
        refused(with(MONTHLY, "ABC"), "currency", "ISO 4217");
        refused(with(MONTHLY, "USD"), "currency", "doesn't match");
        refused(with(ONLINE_USD, "EUR"), "currency", "doesn't match");
    }

    #[test]
    fn coupon_rules_and_exact_amounts() {
        let with = |plan: &str, code: &str| PurchaseRequest {
            coupon: Some(coupon_id(code)),
            ..req(plan)
        };
        let v = check(with(MONTHLY, "WELCOME10")).unwrap();
        assert_eq!(
            (v.amount, v.discount_amount, v.amount_due),
            (5_900, 590, 5_310)
        );
        let v = check(with(MONTHLY, "FIVEOFF")).unwrap();
        assert_eq!((v.discount_amount, v.amount_due), (500, 5_400));
        let v = check(with(ANNUAL, "ANNUAL50")).unwrap();
        assert_eq!((v.discount_amount, v.amount_due), (5_000, 54_000));
        assert_eq!(v.coupon, Some(coupon_id("ANNUAL50")));
        refused(
            with(MONTHLY, "ANNUAL50"),
            "coupon",
            "can't be used with plan",
        );
        refused(with(MONTHLY, "SPRING"), "coupon", "expired");
        refused(with(MONTHLY, "PAUSED"), "coupon", "not active");
        refused(
            with(ONLINE_USD, "FIVEOFF"),
            "coupon",
            "is in EUR but the purchase is in USD",
        );
        // A percentage coupon has no currency, so it works on the USD plan.
        assert_eq!(
            check(with(ONLINE_USD, "WELCOME10")).unwrap().amount_due,
            1_710
        );
        // Codes are not ids.
        refused(
            PurchaseRequest {
                coupon: Some("WELCOME10".into()),
                ..req(MONTHLY)
            },
            "coupon",
            "No coupon",
        );
    }

    #[test]
    fn coupon_valid_until_today_still_works() {
        let mut c = cfg();
        let spring = c
            .data
            .coupons
            .iter_mut()
            .find(|x| x.code == "SPRING")
            .unwrap();
        spring.valid_until = Some(TODAY);
        let r = PurchaseRequest {
            coupon: Some(spring.id.clone()),
            ..req(MONTHLY)
        };
        assert_eq!(
            validate(&r, &c.data, &c, TODAY).unwrap().discount_amount,
            1_180
        );
    }

    #[test]
    fn billing_configuration_and_merchant_rules() {
        let bc = |id: &str| PurchaseRequest {
            billing_configuration: Some(id.into()),
            ..req(MONTHLY)
        };
        assert!(check(bc("bc_gentle")).is_ok());
        refused(
            bc("bc_fast"),
            "billing_configuration",
            "No billing configuration",
        );
        let m = |id: &str| PurchaseRequest {
            merchant: Some(id.into()),
            ..req(MONTHLY)
        };
        assert!(check(m("mer_riverside_01")).is_ok());
        refused(m("mer_other"), "merchant_id", "Unknown merchant");
        let mut c = cfg();
        c.merchant_param = "on_behalf_of".into();
        let e = validate(&m("mer_other"), &c.data, &c, TODAY).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("on_behalf_of"));
    }

    #[test]
    fn activation_date_rules() {
        let act = |plan: &str, d: &str| PurchaseRequest {
            service_activation_date: Some(d.into()),
            ..req(plan)
        };
        let v = check(act(REFORMER, "2026-06-01")).unwrap();
        assert_eq!(v.service_activation_date, Some(date!(2026 - 06 - 01)));
        assert_eq!(v.first_charge_date, date!(2026 - 06 - 01));
        assert_eq!(
            check(act(REFORMER, "2026-05-10"))
                .unwrap()
                .first_charge_date,
            TODAY
        );
        refused(
            act(REFORMER, "2026-05-09"),
            "service_activation_date",
            "past",
        );
        refused(
            act(REFORMER, "10/06/2026"),
            "service_activation_date",
            "YYYY-MM-DD",
        );
        refused(
            act(MONTHLY, "2026-06-01"),
            "service_activation_date",
            "doesn't take",
        );
    }

    #[test]
    fn end_date_rules() {
        let end = |plan: &str, d: &str| PurchaseRequest {
            end_date: Some(d.into()),
            ..req(plan)
        };
        assert_eq!(
            check(end(MONTHLY, "2026-08-02")).unwrap().end_date,
            Some(date!(2026 - 08 - 02))
        );
        refused(end(COMMIT, "2026-08-02"), "end_date", "billing cycles");
        refused(end(MONTHLY, "2026-05-10"), "end_date", "after today");
        refused(end(MONTHLY, "2026-13-01"), "end_date", "YYYY-MM-DD");
        let both = |a: &str, e: &str| PurchaseRequest {
            service_activation_date: Some(a.into()),
            end_date: Some(e.into()),
            ..req(REFORMER)
        };
        assert!(check(both("2026-06-01", "2026-06-02")).is_ok());
        refused(
            both("2026-06-01", "2026-06-01"),
            "end_date",
            "after the service_activation_date",
        );
    }

    #[test]
    fn external_id_is_idempotent() {
        let c = cfg();
        let mut state = UelzState::new(c.data.clone());
        let now = datetime!(2026-05-10 09:30:00.123456 UTC);
        let r = PurchaseRequest {
            external_id: Some("attempt-1".into()),
            ..req(MONTHLY)
        };
        let Outcome::Created(first) = create_in(&mut state, r.clone(), &c, now).unwrap() else {
            panic!("first is created")
        };
        assert_eq!(first.to_json()["created_at"], "2026-05-10T09:30:00.123Z");
        let Outcome::Replayed(again) = create_in(&mut state, r.clone(), &c, now).unwrap() else {
            panic!("same request is replayed")
        };
        assert_eq!(again.id, first.id);
        assert_eq!(state.purchases.len(), 1);
        let different = PurchaseRequest {
            coupon: Some(coupon_id("WELCOME10")),
            ..r.clone()
        };
        let e = create_in(&mut state, different, &c, now).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.error, e.field.as_deref()),
            (409, "conflict", Some("external_id"))
        );
        let other_merchant = PurchaseRequest {
            merchant: Some("mer_riverside_01".into()),
            ..r
        };
        assert_eq!(
            create_in(&mut state, other_merchant, &c, now)
                .unwrap_err()
                .status
                .as_u16(),
            409
        );
        // Without external_id every request creates.
        create_in(&mut state, req(MONTHLY), &c, now).unwrap();
        create_in(&mut state, req(MONTHLY), &c, now).unwrap();
        assert_eq!(state.purchases.len(), 3);
        // A refused request reserves nothing.
        let bad = PurchaseRequest {
            external_id: Some("attempt-2".into()),
            ..req(ARCHIVED)
        };
        assert!(create_in(&mut state, bad, &c, now).is_err());
        let good = PurchaseRequest {
            external_id: Some("attempt-2".into()),
            ..req(MONTHLY)
        };
        assert!(matches!(
            create_in(&mut state, good, &c, now),
            Ok(Outcome::Created(_))
        ));
    }

    #[test]
    fn external_id_length() {
        let r = |n: usize| PurchaseRequest {
            external_id: Some("x".repeat(n)),
            ..req(MONTHLY)
        };
        assert!(check(r(64)).is_ok());
        refused(r(65), "external_id", "at most 64");
    }

    #[test]
    fn response_shape_has_two_decimal_numbers() {
        let c = cfg();
        let mut state = UelzState::new(c.data.clone());
        let r = PurchaseRequest {
            coupon: Some(coupon_id("WELCOME10")),
            ..req(MONTHLY)
        };
        let Outcome::Created(p) =
            create_in(&mut state, r, &c, datetime!(2026-05-10 10:00 UTC)).unwrap()
        else {
            panic!()
        };
        let j = p.to_json();
        assert_eq!(j["object"], "purchase");
        assert_eq!(j["type"], "subscription");
        assert_eq!(j["status"], "incomplete");
        assert_eq!(j["amount"], json!(59.0));
        assert_eq!(j["discount_amount"], json!(5.9));
        assert_eq!(j["amount_due"], json!(53.1));
        assert_eq!(j["first_charge_date"], "2026-05-10");
        assert_eq!(j["end_date"], Value::Null);
        assert_eq!(j["merchant_id"], Value::Null);
        assert!(j.get("request").is_none());
    }
}
