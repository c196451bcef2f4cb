//! `POST /memberships/:id/initiate_purchase`: successes and every validation rule.

mod common;

use common::*;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn ok_body() -> Value {
    json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1031})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

/// Sends `base` with `field` set to each case's value (`None`: left out) and checks that each is
/// refused with that field's message.
async fn assert_refused(
    api: &Api,
    who: As,
    membership: u64,
    base: &Value,
    field: &str,
    cases: &[(Option<Value>, &str)],
) {
    for (value, message) in cases {
        let body = match value {
            Some(v) => with(base.clone(), field, v.clone()),
            None => without(base.clone(), field),
        };
        let (s, b) = api.purchase_json(who, membership, body).await;
        assert_field_error(s, &b, field, message);
    }
}

#[tokio::test]
async fn json_purchase_returns_next_url_and_expiry() {
    let api = start().await;
    let before = OffsetDateTime::now_utc();
    let event = api.bookable_event("Yoga").await;
    let (status, body) = api
        .purchase_json(ALEX, 103, with(ok_body(), "event", event["id"].clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    let next_url = body["next_url"].as_str().unwrap();
    assert!(
        next_url.starts_with(&format!("{}/pay/", api.running.url())),
        "{next_url}"
    );
    assert_eq!(body.as_object().unwrap().len(), 2);

    let expires_at = body["expires_at"].as_str().unwrap();
    // 2026-11-23T10:15:00.000Z: UTC, milliseconds, Z.
    assert_eq!(expires_at.len(), 24, "{expires_at}");
    assert!(expires_at.ends_with('Z') && expires_at.as_bytes()[19] == b'.');
    let expires = OffsetDateTime::parse(expires_at, &Rfc3339).unwrap();
    let lifetime = expires - before;
    assert!(
        lifetime > time::Duration::minutes(14)
            && lifetime <= time::Duration::minutes(15) + time::Duration::seconds(1)
    );

    let records = api.sandbox().purchases();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        (r.membership, r.payment_plan, r.customer),
        (103, Some(1031), 4242)
    );
    assert_eq!(r.event, event["id"].as_u64());
    assert_eq!(r.return_to, RETURN_TO);
    assert!(r.status == "pending");
    assert_eq!(r.expires_at, expires_at);
    assert_eq!(r.next_url, next_url);
}

#[tokio::test]
async fn form_purchase_treats_empty_optional_fields_as_null() {
    let api = start().await;
    let event = api.bookable_event("HIIT").await;
    let body = format!(
        "return_to={}&customer=4242&payment_plan=&event={}&appointment_slot=",
        "https%3A%2F%2Fstudio.example%2Fjoin%3Fa%3D1", event["id"]
    );
    let (status, resp) = api.purchase_form(ALEX, 101, &body).await;
    assert_eq!(status, 200, "{resp}");
    let r = &api.sandbox().purchases()[0];
    assert_eq!(r.payment_plan, None);
    assert_eq!(r.appointment_slot, None);
    assert_eq!(r.event, event["id"].as_u64());
    assert_eq!(r.return_to, "https://studio.example/join?a=1");

    // A recurring membership through a form, with a charset parameter on the content type.
    let resp = api
        .client
        .post(api.url("/api/v2/memberships/104/initiate_purchase"))
        .headers(ALEX.headers())
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body("return_to=http%3A%2F%2Flocalhost%3A8080%2F&customer=4242&payment_plan=1042")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn return_to_is_required_non_blank_absolute_and_short() {
    let api = start().await;
    let long = format!("https://studio.example/?q={}", "a".repeat(2000));
    let invalid = "Enter a valid URL.";
    assert_refused(&api, ALEX, 103, &ok_body(), "return_to", &[
        (None, "This field is required."),
        (Some(json!("   ")), "This field may not be blank."),
        (Some(json!(null)), "This field may not be null."),
        (Some(json!("/join")), invalid),
        (Some(json!("studio.example/join")), invalid),
        (Some(json!("ftp://studio.example/")), invalid),
        (Some(json!("javascript:alert(1)")), invalid),
        (Some(json!(long)), "Ensure this field has no more than 2000 characters."),
    ])
    .await;
    let (s, b) = api
        .purchase_form(ALEX, 103, "return_to=&customer=4242&payment_plan=1031")
        .await;
    assert_field_error(s, &b, "return_to", "This field may not be blank.");
}

#[tokio::test]
async fn customer_must_be_the_signed_in_profile() {
    let api = start().await;
    assert_refused(&api, ALEX, 103, &ok_body(), "customer", &[
        (None, "This field is required."),
        (Some(json!("abc")), "A valid integer is required."),
        (Some(json!(true)), "A valid integer is required."),
        (Some(json!(4343)), "Invalid pk \"4343\" - object does not exist."),
        // Alex's profile at the other provider is not a customer here.
        (Some(json!(5151)), "Invalid pk \"5151\" - object does not exist."),
    ])
    .await;
    // DRF accepts numeric strings.
    let (s, b) = api
        .purchase_json(ALEX, 103, with(ok_body(), "customer", json!("4242")))
        .await;
    assert_eq!(s, 200, "{b}");
    // Staff may buy for any customer of the studio.
    let (s, b) = api
        .purchase_json(RILEY, 103, with(ok_body(), "customer", json!(4343)))
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn payment_plan_rules() {
    let api = start().await;
    let required = "A payment plan is required for this membership.";
    assert_refused(&api, ALEX, 103, &ok_body(), "payment_plan", &[
        (None, required),
        (Some(json!(null)), required),
        (Some(json!(1041)), "This payment plan does not belong to this membership."),
        (Some(json!(1033)), "This payment plan is not for sale."),
        (Some(json!(9)), "Invalid pk \"9\" - object does not exist."),
        (Some(json!("x")), "A valid integer is required."),
    ])
    .await;
    // A plan given for a pack.
    let (s, b) = api.purchase_json(ALEX, 101, ok_body()).await;
    assert_eq!(s, 400);
    assert_eq!(field_error(&b, "payment_plan").len(), 1, "{b}");
    // Withdrawn while the widget was open.
    api.sandbox().set_plan_status(1032, "unavailable");
    let (s, b) = api
        .purchase_json(ALEX, 103, with(ok_body(), "payment_plan", json!(1032)))
        .await;
    assert_field_error(s, &b, "payment_plan", "This payment plan is not for sale.");
    let (_, plans) = api
        .get("/api/v2/membership_payment_plans?membership=103")
        .await;
    assert_eq!(plans["results"][1]["status"], "unavailable");
    api.sandbox().set_plan_status(1032, "for_sale");
    let (s, _) = api
        .purchase_json(ALEX, 103, with(ok_body(), "payment_plan", json!(1032)))
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn event_rules() {
    let api = start().await;
    assert_refused(&api, ALEX, 103, &ok_body(), "event", &[
        (Some(json!(999)), "Invalid pk \"999\" - object does not exist."),
        (Some(json!(7001)), "Invalid pk \"7001\" - object does not exist."),
        (Some(json!(5004)), "This event has been cancelled."),
        (Some(json!(5002)), "This event is full."),
    ])
    .await;
    let yoga = api.bookable_event("Yoga").await;
    let pt_plan = json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1051});
    let (s, b) = api
        .purchase_json(ALEX, 105, with(pt_plan, "event", yoga["id"].clone()))
        .await;
    assert_field_error(
        s,
        &b,
        "event",
        "This membership can't be used to book this event.",
    );
    let hiit = api.bookable_event("HIIT").await;
    let (s, b) = api
        .purchase_json(
            ALEX,
            104,
            with(
                with(ok_body(), "payment_plan", json!(1041)),
                "event",
                hiit["id"].clone(),
            ),
        )
        .await;
    assert_field_error(
        s,
        &b,
        "event",
        "This membership can't be used to book this event.",
    );
}

#[tokio::test]
async fn appointment_slot_rules() {
    let api = start().await;
    let pt = json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1051});
    assert_refused(&api, ALEX, 105, &pt, "appointment_slot", &[
        (Some(json!("")), "This field may not be blank."),
        (Some(json!("pt_nope")), "Invalid pk \"pt_nope\" - object does not exist."),
    ])
    .await;
    let slot = api.available_slot(0).await;
    let (s, b) = api
        .purchase_json(ALEX, 103, with(ok_body(), "appointment_slot", json!(slot)))
        .await;
    assert_field_error(
        s,
        &b,
        "appointment_slot",
        "This membership can't be used to book this appointment.",
    );

    // The pre-booked slot.
    let all = api.get_all(ALEX, "/api/v2/slots").await;
    let booked = all.iter().find(|s| s["available"] == false).unwrap()["id"].clone();
    let (s, b) = api
        .purchase_json(ALEX, 105, with(pt.clone(), "appointment_slot", booked))
        .await;
    assert_field_error(
        s,
        &b,
        "appointment_slot",
        "This appointment slot is no longer available.",
    );

    // Alex holds a slot; Sam cannot take it, and /slots shows it unavailable to Sam only.
    let (s, b) = api
        .purchase_json(ALEX, 105, with(pt.clone(), "appointment_slot", json!(slot)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        api.sandbox().purchases()[0].appointment_slot.as_deref(),
        Some(slot.as_str())
    );
    let sam = json!({"return_to": RETURN_TO, "customer": 4343, "payment_plan": 1052, "appointment_slot": slot});
    let (s, b) = api.purchase_json(SAM, 105, sam).await;
    assert_field_error(
        s,
        &b,
        "appointment_slot",
        "This appointment slot is no longer available.",
    );
    let (_, seen_by_sam) = api.get_as(SAM, &format!("/api/v2/slots/{slot}")).await;
    assert_eq!(seen_by_sam["available"], false);
    let (_, seen_by_alex) = api.get(&format!("/api/v2/slots/{slot}")).await;
    assert_eq!(seen_by_alex["available"], true);

    // Event and slot together.
    let yoga = api.bookable_event("Yoga").await;
    let both = with(
        with(ok_body(), "event", yoga["id"].clone()),
        "appointment_slot",
        json!(api.available_slot(3).await),
    );
    let (s, b) = api.purchase_json(ALEX, 103, both).await;
    assert_field_error(
        s,
        &b,
        "non_field_errors",
        "Choose either an event or an appointment slot, not both.",
    );
}

#[tokio::test]
async fn membership_level_rules() {
    let api = start().await;
    let (s, b) = api.purchase_json(ALEX, 999, ok_body()).await;
    assert_eq!(s, 404);
    assert_eq!(b["code"], "not_found");
    // Hidden from customers: 404 as if it did not exist.
    let (s, _) = api
        .purchase_json(ALEX, 108, without(ok_body(), "payment_plan"))
        .await;
    assert_eq!(s, 404);
    // Another provider's membership.
    let (s, _) = api.purchase_json(ALEX, 202, ok_body()).await;
    assert_eq!(s, 404);
    let (s, b) = api
        .purchase_json(ALEX, 107, with(ok_body(), "payment_plan", json!(1071)))
        .await;
    assert_field_error(
        s,
        &b,
        "non_field_errors",
        "This membership is not for sale.",
    );
    let intro = json!({"return_to": RETURN_TO, "customer": 4343});
    let (s, b) = api.purchase_json(SAM, 109, intro).await;
    assert_field_error(
        s,
        &b,
        "non_field_errors",
        "This membership is only available to new customers.",
    );
    let (s, b) = api
        .purchase_json(ALEX, 109, json!({"return_to": RETURN_TO, "customer": 4242}))
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn auth_content_type_and_provider_are_enforced() {
    let api = start().await;
    let (s, b) = api.purchase_json(NOBODY, 103, ok_body()).await;
    assert_eq!(s, 401);
    assert_eq!(b["code"], "not_authenticated");

    let url = api.url("/api/v2/memberships/103/initiate_purchase");
    let (s, b) = api
        .send(
            api.client
                .post(&url)
                .headers(ALEX.headers())
                .header("Content-Type", "text/plain")
                .body(ok_body().to_string()),
        )
        .await;
    assert_eq!(s, 415);
    assert_eq!(b["code"], "unsupported_media_type");
    assert_eq!(
        b["message"],
        "Unsupported media type \"text/plain\" in request."
    );
    let (s, _) = api
        .send(
            api.client
                .post(&url)
                .headers(ALEX.headers())
                .header("Content-Type", "multipart/form-data; boundary=x")
                .body("--x--"),
        )
        .await;
    assert_eq!(s, 415);
    let (s, b) = api
        .send(
            api.client
                .post(&url)
                .headers(ALEX.headers())
                .header("Content-Type", "application/json")
                .body("{nope"),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["code"], "parse_error");

    // Provider 200: Alex buys there as 5151.
    let harbour = ALEX.provider(Some("200"));
    let body = json!({"return_to": RETURN_TO, "customer": 5151, "payment_plan": 2021});
    let (s, b) = api.purchase_json(harbour, 202, body).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = api
        .purchase_json(
            ALEX.provider(None),
            103,
            ok_body(),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["code"], "provider_required");
}
