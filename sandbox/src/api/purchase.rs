//! `POST /memberships/:id/initiate_purchase`: validates like TeamUp's DRF serializer, holds the
//! offer, and answers `{next_url, expires_at}` pointing at the sandbox's hosted payment page.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::auth::{Ctx, Mode};
use super::memberships::visible_in;
use super::{ApiError, FieldErrors, Req};
use crate::data::{Membership, MembershipType, PlanStatus, ProfileType, StudioData};
use crate::state::{NewPurchase, Sandbox, State as SandboxState};
use crate::times::format_utc;
use crate::urls::is_absolute_http_url;

pub const RETURN_TO_MAX: usize = 2000;

const REQUIRED: &str = "This field is required.";
const NOT_NULL: &str = "This field may not be null.";
const NOT_BLANK: &str = "This field may not be blank.";
const NOT_STRING: &str = "Not a valid string.";
const NOT_INTEGER: &str = "A valid integer is required.";

#[derive(Serialize, Debug)]
pub struct Offer {
    pub next_url: String,
    pub expires_at: String,
}

/// One body field as it arrived, before DRF-style field validation.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Absent,
    Null,
    Str(String),
    Num(serde_json::Number),
    Bool(bool),
    Other,
}

pub struct Body {
    /// Form input follows DRF's HTML-input rules: "" for a nullable field means null.
    pub form: bool,
    pub fields: HashMap<String, Raw>,
}

impl Body {
    fn get(&self, name: &str) -> Raw {
        self.fields.get(name).cloned().unwrap_or(Raw::Absent)
    }
}

/// JSON and form-urlencoded bodies (what the contract promises); anything else is 415. With no
/// Content-Type at all DRF sees an empty body, so do we.
pub fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<Body, ApiError> {
    if !headers.contains_key(header::CONTENT_TYPE) {
        return Ok(Body {
            form: false,
            fields: HashMap::new(),
        });
    }
    let (ct, mime) = crate::limits::content_type(headers);
    if crate::limits::is_json(&mime) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body {
                form: false,
                fields: HashMap::new(),
            });
        }
        let value: Value = serde_json::from_slice(bytes).map_err(ApiError::json_parse)?;
        let Value::Object(map) = value else {
            let got = match value {
                Value::Array(_) => "list",
                Value::String(_) => "str",
                Value::Number(n) if n.is_f64() => "float",
                Value::Number(_) => "int",
                Value::Bool(_) => "bool",
                _ => "NoneType",
            };
            let mut fe = FieldErrors::new();
            fe.add(
                "non_field_errors",
                format!("Invalid data. Expected a dictionary, but got {got}."),
            );
            return Err(ApiError::invalid(fe));
        };
        let fields = map
            .into_iter()
            .map(|(k, v)| {
                let raw = match v {
                    Value::Null => Raw::Null,
                    Value::String(s) => Raw::Str(s),
                    Value::Number(n) => Raw::Num(n),
                    Value::Bool(b) => Raw::Bool(b),
                    _ => Raw::Other,
                };
                (k, raw)
            })
            .collect();
        return Ok(Body {
            form: false,
            fields,
        });
    }
    if mime == "application/x-www-form-urlencoded" {
        // Like Django's QueryDict.__getitem__, the last of repeated keys wins.
        let fields = form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), Raw::Str(v.into_owned())))
            .collect();
        return Ok(Body { form: true, fields });
    }
    Err(ApiError::unsupported_media_type(&ct))
}

/// DRF CharField (trim_whitespace, allow_blank=False).
pub fn char_field(
    raw: Raw,
    required: bool,
    allow_null: bool,
    form: bool,
) -> Result<Option<String>, &'static str> {
    match raw {
        Raw::Absent if required => Err(REQUIRED),
        Raw::Absent => Ok(None),
        Raw::Null if allow_null => Ok(None),
        Raw::Null => Err(NOT_NULL),
        Raw::Str(s) if form && s.is_empty() && allow_null => Ok(None),
        Raw::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                Err(NOT_BLANK)
            } else {
                Ok(Some(t.to_string()))
            }
        }
        Raw::Num(n) => Ok(Some(n.to_string())),
        Raw::Bool(_) | Raw::Other => Err(NOT_STRING),
    }
}

/// DRF IntegerField: ints, integral floats and numeric strings ("42", " 42 ", "42.0").
pub fn int_field(
    raw: Raw,
    required: bool,
    allow_null: bool,
    form: bool,
) -> Result<Option<i128>, &'static str> {
    match raw {
        Raw::Absent if required => Err(REQUIRED),
        Raw::Absent => Ok(None),
        Raw::Null if allow_null => Ok(None),
        Raw::Null => Err(NOT_NULL),
        Raw::Str(s) if form && s.is_empty() && allow_null => Ok(None),
        Raw::Str(s) if form && s.is_empty() && !required => Ok(None),
        Raw::Str(s) => {
            if s.len() > 1000 {
                return Err("String value too large.");
            }
            // DRF strips a trailing ".0…" before int().
            let t = s.trim();
            let t = match t.find('.') {
                Some(i) if t[i + 1..].chars().all(|c| c == '0') => &t[..i],
                _ => t,
            };
            t.trim().parse::<i128>().map(Some).map_err(|_| NOT_INTEGER)
        }
        Raw::Num(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i as i128))
            } else if let Some(u) = n.as_u64() {
                Ok(Some(u as i128))
            } else {
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e30 => Ok(Some(f as i128)),
                    _ => Err(NOT_INTEGER),
                }
            }
        }
        Raw::Bool(_) | Raw::Other => Err(NOT_INTEGER),
    }
}

fn invalid_pk(v: impl std::fmt::Display) -> String {
    format!("Invalid pk \"{v}\" - object does not exist.")
}

fn as_id(n: i128) -> Option<u64> {
    u64::try_from(n).ok()
}

pub async fn initiate_purchase(
    State(sb): State<Sandbox>,
    ctx: Ctx,
    req: Req,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Json<Offer>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let mut state = sb.lock();
    let membership = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.data.membership(id))
        .filter(|m| visible_in(m, &ctx))
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let body = parse_body(&headers, &bytes)?;
    let mut new = validate(&body, &membership, &ctx, &state, now)?;
    new.body = (!body.form).then(|| serde_json::from_slice(&bytes).ok()).flatten();
    let purchase = state.create_purchase(new, now, sb.offer_lifetime(), &req.base);
    Ok(Json(Offer {
        next_url: purchase.next_url.clone(),
        expires_at: format_utc(purchase.expires_at),
    }))
}

/// The serializer: field errors first (all of them, like DRF), then object-level rules.
pub(crate) fn validate(
    body: &Body,
    m: &Membership,
    ctx: &Ctx,
    state: &SandboxState,
    now: OffsetDateTime,
) -> Result<NewPurchase, ApiError> {
    let data: &StudioData = &state.data;
    let form = body.form;
    let mut errs = FieldErrors::new();

    let return_to = match char_field(body.get("return_to"), true, false, form) {
        Ok(Some(url)) if url.chars().count() > RETURN_TO_MAX => {
            errs.add(
                "return_to",
                format!("Ensure this field has no more than {RETURN_TO_MAX} characters."),
            );
            None
        }
        Ok(Some(url)) if !is_absolute_http_url(&url) => {
            errs.add("return_to", "Enter a valid URL.");
            None
        }
        Ok(url) => url,
        Err(msg) => {
            errs.add("return_to", msg);
            None
        }
    };

    // In customer mode only the signed-in customer exists; staff may buy for any customer here.
    let customer = match int_field(body.get("customer"), true, false, form) {
        Ok(Some(n)) => {
            let ok = match ctx.mode {
                Mode::Customer => as_id(n).is_some() && as_id(n) == ctx.profile_id(),
                Mode::Provider => as_id(n)
                    .and_then(|id| data.profile(id, ProfileType::Customer))
                    .is_some_and(|(_, p)| p.provider == ctx.provider.id),
            };
            if !ok {
                errs.add("customer", invalid_pk(n));
            }
            ok.then(|| as_id(n)).flatten()
        }
        Ok(None) => None,
        Err(msg) => {
            errs.add("customer", msg);
            None
        }
    };

    let recurring = m.kind == MembershipType::RecurringPlan;
    let payment_plan = match int_field(body.get("payment_plan"), false, true, form) {
        Ok(None) => {
            if recurring {
                errs.add(
                    "payment_plan",
                    "A payment plan is required for this membership.",
                );
            }
            None
        }
        Ok(Some(n)) => {
            let plan = as_id(n).and_then(|id| data.plan(id)).filter(|p| {
                data.membership(p.membership)
                    .is_some_and(|pm| visible_in(pm, ctx))
            });
            match plan {
                None => {
                    errs.add("payment_plan", invalid_pk(n));
                    None
                }
                Some(_) if !recurring => {
                    errs.add(
                        "payment_plan",
                        "This membership is not a recurring plan, so it takes no payment plan.",
                    );
                    None
                }
                Some(p) if p.membership != m.id => {
                    errs.add(
                        "payment_plan",
                        "This payment plan does not belong to this membership.",
                    );
                    None
                }
                Some(p) if p.status != PlanStatus::ForSale => {
                    errs.add("payment_plan", "This payment plan is not for sale.");
                    None
                }
                Some(p) => Some(p.id),
            }
        }
        Err(msg) => {
            errs.add("payment_plan", msg);
            None
        }
    };

    let event_raw = int_field(body.get("event"), false, true, form);
    let slot_raw = char_field(body.get("appointment_slot"), false, true, form);
    // One purchase books one thing (ASSUMPTION, see README). Reported even alongside field
    // errors: no membership permits both a class and an appointment, so it would otherwise
    // never surface.
    if matches!(event_raw, Ok(Some(_))) && matches!(slot_raw, Ok(Some(_))) {
        errs.add(
            "non_field_errors",
            "Choose either an event or an appointment slot, not both.",
        );
    }
    let event = match event_raw {
        Ok(None) => None,
        Ok(Some(n)) => match as_id(n)
            .and_then(|id| data.event(id))
            .filter(|e| e.provider == ctx.provider.id)
        {
            None => {
                errs.add("event", invalid_pk(n));
                None
            }
            Some(e) => {
                let problem = if e.status != crate::data::EventStatus::Active {
                    Some("This event has been cancelled.")
                } else if e.starts_at <= now {
                    Some("This event has already started.")
                } else if !m.offering_types.contains(&e.offering_type) {
                    Some("This membership can't be used to book this event.")
                } else if e.is_full() {
                    Some("This event is full.")
                } else {
                    None
                };
                match problem {
                    Some(p) => {
                        errs.add("event", p);
                        None
                    }
                    None => Some(e.id),
                }
            }
        },
        Err(msg) => {
            errs.add("event", msg);
            None
        }
    };

    let slot_holder = customer.or(ctx.profile_id().filter(|_| ctx.mode == Mode::Customer));
    let appointment_slot = match slot_raw {
        Ok(None) => None,
        Ok(Some(id)) => match data.slot(&id).filter(|s| s.provider == ctx.provider.id) {
            None => {
                errs.add("appointment_slot", invalid_pk(&id));
                None
            }
            Some(s) if !m.offering_types.contains(&s.offering_type) => {
                errs.add(
                    "appointment_slot",
                    "This membership can't be used to book this appointment.",
                );
                None
            }
            Some(s) if !state.slot_open_for(&s.id, slot_holder, now) => {
                errs.add(
                    "appointment_slot",
                    "This appointment slot is no longer available.",
                );
                None
            }
            Some(s) => Some(s.id.clone()),
        },
        Err(msg) => {
            errs.add("appointment_slot", msg);
            None
        }
    };

    if !errs.is_empty() {
        return Err(ApiError::invalid(errs));
    }
    let (Some(return_to), Some(customer)) = (return_to, customer) else {
        // Unreachable: both are required and would have produced field errors.
        return Err(ApiError::invalid(errs));
    };

    let mut non_field = FieldErrors::new();
    let nfe = "non_field_errors";
    if ctx.mode == Mode::Customer && !m.for_sale {
        non_field.add(nfe, "This membership is not for sale.");
    }
    if ctx.mode == Mode::Customer && m.purchasable_only_by_provider {
        non_field.add(
            nfe,
            "This membership can only be purchased through the studio.",
        );
    }
    if m.new_customers_only
        && data
            .profile(customer, ProfileType::Customer)
            .is_some_and(|(_, p)| p.existing_member)
    {
        non_field.add(nfe, "This membership is only available to new customers.");
    }
    if !non_field.is_empty() {
        return Err(ApiError::invalid(non_field));
    }

    Ok(NewPurchase {
        provider: ctx.provider.id,
        membership: m.id,
        payment_plan,
        event,
        appointment_slot,
        customer,
        return_to,
        body: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_field_follows_drf() {
        assert_eq!(
            int_field(Raw::Str("42".into()), true, false, false),
            Ok(Some(42))
        );
        assert_eq!(
            int_field(Raw::Str(" 42.0 ".into()), true, false, false),
            Ok(Some(42))
        );
        assert_eq!(
            int_field(Raw::Str("4x".into()), true, false, false),
            Err(NOT_INTEGER)
        );
        assert_eq!(
            int_field(Raw::Bool(true), true, false, false),
            Err(NOT_INTEGER)
        );
        assert_eq!(int_field(Raw::Absent, true, false, false), Err(REQUIRED));
        assert_eq!(int_field(Raw::Null, false, true, false), Ok(None));
        // Form input: "" is null for a nullable field but still invalid for a required one.
        assert_eq!(int_field(Raw::Str("".into()), false, true, true), Ok(None));
        assert_eq!(
            int_field(Raw::Str("".into()), true, false, true),
            Err(NOT_INTEGER)
        );
        assert_eq!(
            int_field(Raw::Str("".into()), false, true, false),
            Err(NOT_INTEGER)
        );
    }

    #[test]
    fn char_field_follows_drf() {
        assert_eq!(
            char_field(Raw::Str("  ".into()), true, false, false),
            Err(NOT_BLANK)
        );
        assert_eq!(
            char_field(Raw::Str("".into()), false, true, false),
            Err(NOT_BLANK)
        );
        assert_eq!(char_field(Raw::Str("".into()), false, true, true), Ok(None));
        assert_eq!(char_field(Raw::Null, true, false, false), Err(NOT_NULL));
        assert_eq!(char_field(Raw::Other, true, false, false), Err(NOT_STRING));
    }
}
