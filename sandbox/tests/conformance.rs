//! Conformance: every TeamUp answer the widget reads, as the sandbox gives it, validated against
//! the JSON Schemas in `tests/schemas/teamup/` (written from TeamUp's endpoint pages, each citing
//! its page), with and without each `expand` the widget or the pages name. A field the sandbox
//! invents, a documented field it leaves out, a wrong type, an unknown enum value or a deferred
//! field present without `expand=` fails, and the failure names the answer, the path and the rule.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::{json, Map, Value};

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/teamup")
}

fn load(file: &str) -> Value {
    let path = schema_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The expansions that reach into `field`: `provider.address` → `address` for `provider`.
fn nested(expands: &[String], field: &str) -> Option<Vec<String>> {
    let mut found = false;
    let mut inner = Vec::new();
    for e in expands {
        if e == field {
            found = true;
        } else if let Some(rest) = e.strip_prefix(&format!("{field}.")) {
            found = true;
            inner.push(rest.to_string());
        }
    }
    found.then_some(inner)
}

/// Resolves the schema conventions (see tests/schemas/teamup/README.md) for `expands`: `x-file`
/// inlines a file, `x-expand` replaces an Expandable field or adds (and requires) a Deferred one.
fn compose(node: &Value, expands: &[String]) -> Value {
    match node {
        Value::Object(map) => {
            if let Some(file) = map.get("x-file").and_then(Value::as_str) {
                return compose(&load(file), expands);
            }
            let mut out = Map::new();
            for (key, value) in map {
                if key.starts_with("x-") || key == "$comment" {
                    continue;
                }
                out.insert(key.clone(), compose(value, &[]));
            }
            if let Some(Value::Object(expandable)) = map.get("x-expand") {
                for (field, when_expanded) in expandable {
                    let Some(inner) = nested(expands, field) else { continue };
                    let deferred = map.get("properties").and_then(|p| p.get(field)).is_none();
                    let properties = out.entry("properties").or_insert_with(|| json!({}));
                    properties[field.as_str()] = compose(when_expanded, &inner);
                    if deferred {
                        let required = out.entry("required").or_insert_with(|| json!([]));
                        required.as_array_mut().unwrap().push(json!(field));
                    }
                }
            }
            // Expansions meant for a branch of a oneOf reach it.
            if let Some(Value::Array(branches)) = map.get("oneOf") {
                out.insert("oneOf".into(), Value::Array(branches.iter().map(|b| compose(b, expands)).collect()));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| compose(v, expands)).collect()),
        other => other.clone(),
    }
}

fn schema(file: &str, expands: &[&str]) -> Value {
    let expands: Vec<String> = expands.iter().map(|s| s.to_string()).collect();
    compose(&load(file), &expands)
}

/// A DRF page whose results are `item`s.
fn page_of(item: Value) -> Value {
    let mut page = compose(&load("page.json"), &[]);
    page["properties"]["results"]["items"] = item;
    page
}

/// Collects every violation, so one run lists them all.
#[derive(Default)]
struct Judge {
    checked: usize,
    failures: Vec<String>,
}

impl Judge {
    fn check(&mut self, what: &str, schema: &Value, body: &Value) {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .unwrap_or_else(|e| panic!("schema for {what} does not compile: {e}"));
        self.checked += 1;
        for error in validator.iter_errors(body) {
            self.failures.push(format!("{what}: at {:?}: {error}", error.instance_path().to_string()));
        }
    }

    fn expect(&mut self, ok: bool, what: String) {
        if !ok {
            self.failures.push(what);
        }
    }

    fn verdict(self) {
        eprintln!("conformance: {} answers checked, {} violations", self.checked, self.failures.len());
        assert!(
            self.failures.is_empty(),
            "{} violations of TeamUp's documented shapes:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn with_expand(path: &str, expands: &[&str]) -> String {
    if expands.is_empty() {
        return path.to_string();
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}expand={}", expands.join(","))
}

/// Every page of a list, each validated as a page of `item`s; returns all results.
async fn check_list(api: &Api, judge: &mut Judge, who: As, path: &str, file: &str, expands: &[&str]) -> Vec<Value> {
    let page_schema = page_of(schema(file, expands));
    let mut url = api.url(&with_expand(path, expands));
    let mut all = Vec::new();
    for _ in 0..50 {
        let (status, body) = api.get_as(who, &url).await;
        if status != 200 {
            judge.failures.push(format!("GET {url}: status {status}: {body}"));
            return all;
        }
        judge.check(&format!("GET {url}"), &page_schema, &body);
        all.extend(body["results"].as_array().cloned().unwrap_or_default());
        match body["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => return all,
        }
    }
    panic!("{path}: pagination does not end");
}

async fn check_one(api: &Api, judge: &mut Judge, who: As, path: &str, file: &str, expands: &[&str]) -> Value {
    let url = api.url(&with_expand(path, expands));
    let (status, body) = api.get_as(who, &url).await;
    if status != 200 {
        judge.failures.push(format!("GET {url}: status {status}: {body}"));
    }
    judge.check(&format!("GET {url}"), &schema(file, expands), &body);
    body
}

/// Pays a purchase on the hosted page, as the customer's browser would.
async fn pay(api: &Api, next_url: &str) {
    let resp = api
        .client
        .post(next_url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("action=pay")
        .send()
        .await
        .expect("the payment page answers");
    assert_eq!(resp.status(), 303, "paying {next_url}");
}

#[tokio::test]
async fn every_answer_the_widget_reads_has_the_documented_shape() {
    let api = start().await;
    let mut judge = Judge::default();

    // Who am I: customer and staff profiles, the provider expanded or not, its address too.
    for who in [ALEX, RILEY] {
        for expands in [&[][..], &["provider"], &["provider", "provider.address"]] {
            check_list(&api, &mut judge, who, "/api/v2/auth/profiles", "profile.json", expands).await;
        }
    }
    // The studio, signed in and anonymously; address (the time zone) is deferred.
    for who in [ALEX, NOBODY] {
        for expands in [&[][..], &["address"]] {
            check_one(&api, &mut judge, who, "/api/v2/providers/100", "provider.json", expands).await;
        }
    }
    // The catalogue, small pages so the next/previous links are checked too.
    let mut memberships = Vec::new();
    for who in [ALEX, NOBODY, RILEY] {
        memberships = check_list(&api, &mut judge, who, "/api/v2/memberships?page_size=4", "membership.json", &[]).await;
    }
    check_one(&api, &mut judge, ALEX, "/api/v2/memberships/103", "membership.json", &[]).await;
    // Plans, through each membership's own `plans` link, with and without the joining fee.
    for m in &memberships {
        let link = m["plans"].as_str().expect("plans link");
        for expands in [&[][..], &["joining_fee"]] {
            check_list(&api, &mut judge, ALEX, link, "payment_plan.json", expands).await;
        }
    }
    for expands in [&[][..], &["joining_fee"]] {
        check_one(&api, &mut judge, ALEX, "/api/v2/membership_payment_plans/1031", "payment_plan.json", expands).await;
        check_list(&api, &mut judge, RILEY, "/api/v2/membership_payment_plans?page_size=3", "payment_plan.json", expands).await;
    }
    // Classes, with and without the venue.
    let mut events = Vec::new();
    for expands in [&[][..], &["venue"]] {
        events = check_list(&api, &mut judge, ALEX, "/api/v2/events?status=active&page_size=40", "event.json", expands).await;
        let first = events[0]["id"].as_u64().unwrap();
        check_one(&api, &mut judge, NOBODY, &format!("/api/v2/events/{first}"), "event.json", expands).await;
    }
    // Appointment slots (an ASSUMED shape: the page is missing).
    let slots = check_list(&api, &mut judge, ALEX, "/api/v2/slots?page_size=20", "slot.json", &[]).await;
    let slot = slots.iter().find(|s| s["available"] == true).expect("an open slot").clone();
    check_one(&api, &mut judge, ALEX, &format!("/api/v2/slots/{}", slot["id"].as_str().unwrap()), "slot.json", &[]).await;

    // A purchase with a class, paid; then one with an appointment, paid.
    let class = events
        .iter()
        .find(|e| e["max_occupancy"].as_u64().is_some_and(|max| e["attending_count"].as_u64() < Some(max)))
        .expect("a class with room")
        .clone();
    let (status, offer) = api
        .purchase_json(ALEX, 103, json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1031, "event": class["id"]}))
        .await;
    assert_eq!(status, 200, "{offer}");
    judge.check("POST /memberships/103/initiate_purchase", &schema("offer.json", &[]), &offer);
    pay(&api, offer["next_url"].as_str().unwrap()).await;
    let (status, offer) = api
        .purchase_json(ALEX, 105, json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1051, "appointment_slot": slot["id"]}))
        .await;
    assert_eq!(status, 200, "{offer}");
    pay(&api, offer["next_url"].as_str().unwrap()).await;

    // What the widget asks on the customer's return.
    let held = check_list(&api, &mut judge, ALEX, "/api/v2/customer_memberships?customer=4242", "customer_membership.json", &[]).await;
    judge.expect(held.len() == 2, format!("two memberships bought, the customer holds {held:?}"));
    check_list(&api, &mut judge, ALEX, "/api/v2/customer_memberships?customer=4242&membership=103", "customer_membership.json", &[]).await;
    if let Some(first) = held.first() {
        check_one(&api, &mut judge, ALEX, &format!("/api/v2/customer_memberships/{}", first["id"]), "customer_membership.json", &[]).await;
    }
    let booked = check_list(
        &api,
        &mut judge,
        ALEX,
        &format!("/api/v2/attendances?customer=4242&event={}", class["id"]),
        "attendance.json",
        &[],
    )
    .await;
    judge.expect(booked.len() == 1, format!("the class booked with the purchase: {booked:?}"));
    let at = slot["starts_at"].as_str().unwrap();
    let appointment = check_list(
        &api,
        &mut judge,
        ALEX,
        &format!("/api/v2/attendances?customer=4242&event_starts_at_gte={at}&event_starts_at_lte={at}"),
        "attendance.json",
        &[],
    )
    .await;
    judge.expect(appointment.len() == 1, format!("the appointment booked with the purchase: {appointment:?}"));

    judge.verdict();
}

/// The judge itself can fail: an invented field, a deferred field without `expand`, a wrong type
/// and an unknown enum value are each caught.
#[test]
fn the_schemas_refuse_what_the_pages_do_not_allow() {
    let plan = json!({
        "id": 1031, "object": "membership_payment_plan", "status": "for_sale", "membership": 103,
        "price": {"decimal": 79.0, "string": "£79.00", "iso_currency_code": "gbp", "currency_symbol": "£", "currency_symbol_position": "before"},
        "billing_period_length": 1, "billing_period_unit": "months", "committed_billing_periods": null,
        "fixed_billing_day_of_month": 1, "fixed_billing_day_of_week": "monday",
        "commitment_expiration_scheme": "continue_by_period", "cancellation_notice_days": null,
        "enrollment_schedule": "purchase_date", "duration_description": "Until cancelled",
        "price_with_period": "£79.00 every month"
    });
    let valid = |schema: &Value, body: &Value| jsonschema::options().should_validate_formats(true).build(schema).unwrap().is_valid(body);
    assert!(valid(&schema("payment_plan.json", &[]), &plan), "the plan as documented is valid");

    let mut with_fee = plan.clone();
    with_fee["joining_fee"] = json!({"id": 901, "object": "joining_fee", "amount": {"decimal": 25.0}});
    assert!(!valid(&schema("payment_plan.json", &[]), &with_fee), "a deferred field without expand");
    assert!(valid(&schema("payment_plan.json", &["joining_fee"]), &with_fee), "the deferred field, expanded");
    assert!(!valid(&schema("payment_plan.json", &["joining_fee"]), &plan), "expand=joining_fee without the field");

    let mut invented = plan.clone();
    invented["is_full"] = json!(false);
    assert!(!valid(&schema("payment_plan.json", &[]), &invented), "a field the page does not list");
    let mut wrong_type = plan.clone();
    wrong_type["membership"] = json!("103");
    assert!(!valid(&schema("payment_plan.json", &[]), &wrong_type), "a string where the page gives an int id");
    let mut wrong_enum = plan;
    wrong_enum["billing_period_unit"] = json!("month");
    assert!(!valid(&schema("payment_plan.json", &[]), &wrong_enum), "a value outside the page's enum");

    // Nested: an expanded provider keeps its deferred address out unless asked for.
    let provider = json!({"id": 100, "object": "provider", "name": "Riverside", "logo": null, "country": "GB",
        "currency": {"iso_currency_code": "gbp", "symbol": "£", "position": "before"},
        "is_marketing_preference_on_customer_forms": false,
        "address": {"street": "1 Mill Lane", "street_secondary": null, "city": "London", "region": null,
                    "postal_code": "E1 1AA", "country": "GB", "timezone": "Europe/London"}});
    let profile = json!({"id": 4242, "name": "Alex Runner", "first_name": "Alex", "last_name": "Runner",
        "email": "a@example.com", "profile_type": "customer", "provider": provider});
    assert!(!valid(&schema("profile.json", &["provider"]), &profile), "provider.address without expand");
    assert!(valid(&schema("profile.json", &["provider", "provider.address"]), &profile));
    assert!(!valid(&schema("profile.json", &[]), &profile), "an expanded provider without expand");
}
