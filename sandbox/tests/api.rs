//! The read side of the API over real HTTP: auth, scoping headers, pagination, catalogue, schedule.

mod common;

use checkout_sandbox::Config;
use common::*;
use serde_json::Value;

#[tokio::test]
async fn requests_without_valid_credentials_get_401() {
    let api = start().await;
    // Without credentials only the catalogue of a named provider is readable (tests/oauth.rs).
    let (status, body) = api.get_as(NOBODY, "/api/v2/auth/profiles").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        serde_json::json!({"code": "not_authenticated", "message": "Authentication credentials were not provided.",
                           "type": "invalid_request_error", "field_errors": {}})
    );

    let bad = ALEX.token(Some("not-a-real-token"));
    let (status, body) = api.get_as(bad, "/api/v2/memberships").await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "authentication_failed");
    assert_eq!(body["message"], "Invalid token.");

    // An unknown scheme counts as no credentials; Token and JWT prefixes are accepted.
    for (scheme, want) in [
        ("Basic", 401),
        ("Token", 200),
        ("JWT", 200),
        ("bearer", 200),
    ] {
        let resp = api
            .client
            .get(api.url("/api/v2/memberships"))
            .header("Authorization", format!("{scheme} {CUSTOMER}"))
            .header("TeamUp-Provider-ID", "100")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), want, "{scheme}");
        if want == 401 {
            assert!(resp.headers().contains_key("www-authenticate"));
        }
    }
}

#[tokio::test]
async fn provider_and_mode_headers_scope_the_request() {
    let api = start().await;
    // Alex has profiles at 100 and 200, so the provider must be named.
    let (status, body) = api.get_as(ALEX.provider(None), "/api/v2/memberships").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "provider_required");

    let (status, body) = api.get_as(ALEX.provider(Some("300")), "/api/v2/memberships").await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "permission_denied");

    let (status, body) = api.get_as(ALEX.provider(Some("abc")), "/api/v2/memberships").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "parameter_invalid");

    // Provider 200 sees only its own memberships.
    let harbour = api
        .get_all(
            ALEX.provider(Some("200")),
            "/api/v2/memberships",
        )
        .await;
    assert_eq!(ids(&harbour), vec![201, 202]);

    // Sam only has provider 100: no header needed, and 200 is forbidden.
    let (status, _) = api.get_as(SAM.provider(None).mode(None), "/api/v2/memberships").await;
    assert_eq!(status, 200);
    let (status, body) = api.get_as(SAM.provider(Some("200")), "/api/v2/memberships").await;
    assert_eq!(status, 403, "{body}");

    // Mode must be customer or provider; customers cannot use provider mode.
    let (status, body) = api.get_as(ALEX.mode(Some("admin")), "/api/v2/memberships").await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "parameter_invalid");
    let (status, body) = api.get_as(ALEX.mode(Some("provider")), "/api/v2/memberships").await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "permission_denied");

    // Staff see hidden memberships in provider mode.
    let staff = api.get_all(RILEY, "/api/v2/memberships").await;
    assert!(ids(&staff).contains(&108));
    let (status, _) = api.get_as(RILEY.mode(Some("customer")), "/api/v2/memberships").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn profiles_give_the_customer_id_per_provider() {
    let api = start().await;
    // /auth/profiles needs no provider header: it is how a client finds its providers.
    let (status, body) = api.get_as(ALEX.provider(None), "/api/v2/auth/profiles").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 2);
    let p = &body["results"][0];
    assert_eq!(p["id"], 4242);
    assert_eq!(p["profile_type"], "customer");
    assert_eq!(p["provider"], 100);
    assert_eq!(p["name"], "Alex Runner");
    assert_eq!(body["results"][1]["id"], 5151);

    // When the provider header is sent it must still be one of the user's providers.
    let (status, body) = api.get_as(ALEX.provider(Some("300")), "/api/v2/auth/profiles").await;
    assert_eq!(status, 403, "{body}");

    let (_, body) = api.get("/api/v2/auth/profiles?expand=provider").await;
    let prov = &body["results"][0]["provider"];
    assert_eq!(prov["name"], "Riverside Fitness Studio");
    assert_eq!(prov["currency"]["symbol"], "£");
    // The address (and the time zone in it) is deferred: only with expand=provider.address.
    assert!(prov.get("address").is_none() && prov.get("timezone").is_none(), "{prov}");
    let (_, body) = api.get("/api/v2/auth/profiles?expand=provider,provider.address").await;
    assert_eq!(body["results"][0]["provider"]["address"]["timezone"], "Europe/London");

    // The studio itself: its time zone only with expand=address (providers-retrieve page).
    let (_, studio) = api.get("/api/v2/providers/100").await;
    assert!(studio.get("address").is_none() && studio.get("timezone").is_none(), "{studio}");
    let (_, studio) = api.get("/api/v2/providers/100?expand=address").await;
    assert_eq!(studio["address"]["timezone"], "Europe/London");
    assert_eq!(studio["address"]["city"], "London");

    let (_, body) = api.get_as(RILEY, "/api/v2/auth/profiles").await;
    assert_eq!(body["results"][0]["profile_type"], "staff");
    assert_eq!(body["results"][0]["permissions"]["super_admin"], true);
}

#[tokio::test]
async fn pagination_counts_links_and_follows_next() {
    let api = start().await;
    let (status, page1) = api
        .get("/api/v2/memberships?page_size=3&for_sale=true")
        .await;
    assert_eq!(status, 200);
    assert_eq!(page1["count"], 7);
    assert_eq!(page1["results"].as_array().unwrap().len(), 3);
    assert_eq!(page1["previous"], Value::Null);
    let base = api.running.url();
    assert_eq!(
        page1["next"],
        format!("{base}/api/v2/memberships?for_sale=true&page=2&page_size=3")
    );

    let (_, page2) = api.get(page1["next"].as_str().unwrap()).await;
    // Back to page 1 drops the page parameter, as DRF does.
    assert_eq!(
        page2["previous"],
        format!("{base}/api/v2/memberships?for_sale=true&page_size=3")
    );
    let (_, page3) = api.get(page2["next"].as_str().unwrap()).await;
    assert_eq!(page3["next"], Value::Null);
    assert_eq!(page3["results"].as_array().unwrap().len(), 1);

    let all = api
        .get_all(ALEX, "/api/v2/memberships?page_size=3&for_sale=true")
        .await;
    assert_eq!(ids(&all), vec![101, 102, 103, 104, 105, 106, 109]);

    let (_, last) = api
        .get("/api/v2/memberships?page_size=3&for_sale=true&page=last")
        .await;
    assert_eq!(ids(last["results"].as_array().unwrap()), vec![109]);

    for bad in ["0", "4", "abc", "-1", "1.5"] {
        let (status, body) = api
            .get(&format!(
                "/api/v2/memberships?page_size=3&for_sale=true&page={bad}"
            ))
            .await;
        assert_eq!(status, 404, "page={bad}");
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["message"], "Invalid page.");
    }

    // A page_size that is not a positive integer falls back to the default.
    let (_, body) = api.get("/api/v2/memberships?page_size=zero").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn page_size_is_clamped_to_100_and_250_for_events() {
    let mut config = Config::demo();
    let template_m = config.data.memberships[0].clone();
    for i in 0..150 {
        config
            .data
            .memberships
            .push(checkout_sandbox::data::Membership {
                id: 10_000 + i,
                ..template_m.clone()
            });
    }
    let template_e = config.data.events[0].clone();
    for i in 0..300 {
        config.data.events.push(checkout_sandbox::data::Event {
            id: 20_000 + i,
            ..template_e.clone()
        });
    }
    let api = start_with(config).await;

    let (_, body) = api.get("/api/v2/memberships?page_size=1000").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 100);
    assert!(body["next"].as_str().unwrap().contains("page_size=1000"));

    let (_, body) = api.get("/api/v2/events").await;
    assert_eq!(
        body["results"].as_array().unwrap().len(),
        100,
        "default page size"
    );
    let (_, body) = api.get("/api/v2/events?page_size=250").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 250);
    let (_, body) = api.get("/api/v2/events?page_size=5000").await;
    assert_eq!(body["results"].as_array().unwrap().len(), 250);
    assert_eq!(body["count"], 42 + 300);
}

#[tokio::test]
async fn membership_filters_and_visibility() {
    let api = start().await;
    // Customer mode hides 108 (not visible to customers) even without filters.
    let all = api.get_all(ALEX, "/api/v2/memberships").await;
    assert_eq!(ids(&all), vec![101, 102, 103, 104, 105, 106, 107, 109]);

    let shop = api
        .get_all(
            ALEX,
            "/api/v2/memberships?for_sale=true&visible_to_customers=true",
        )
        .await;
    assert!(!ids(&shop).contains(&107), "not for sale");
    assert!(!ids(&shop).contains(&108), "hidden");
    assert_eq!(shop.len(), 7);

    let not_for_sale = api
        .get_all(ALEX, "/api/v2/memberships?for_sale=false")
        .await;
    assert_eq!(ids(&not_for_sale), vec![107]);
    let hidden = api
        .get_all(RILEY, "/api/v2/memberships?visible_to_customers=false")
        .await;
    assert_eq!(ids(&hidden), vec![108]);

    let hiit = api.bookable_event("HIIT").await;
    let url = format!(
        "/api/v2/memberships?for_sale=true&permits_registration_for_event={}",
        hiit["id"]
    );
    assert_eq!(
        ids(&api.get_all(ALEX, &url).await),
        vec![101, 102, 103, 106, 109]
    );
    let spin = api.bookable_event("Spin").await;
    let url = format!(
        "/api/v2/memberships?for_sale=true&permits_registration_for_event={}",
        spin["id"]
    );
    assert_eq!(
        ids(&api.get_all(ALEX, &url).await),
        vec![101, 102, 103, 104, 106]
    );
    let url = format!(
        "/api/v2/memberships?permits_registration_for_event={}",
        spin["id"]
    );
    assert_eq!(
        ids(&api.get_all(RILEY, &url).await),
        vec![101, 102, 103, 104, 106, 107, 108]
    );
    assert!(api
        .get_all(
            ALEX,
            "/api/v2/memberships?permits_registration_for_event=999999"
        )
        .await
        .is_empty());

    let (status, body) = api.get("/api/v2/memberships?for_sale=maybe").await;
    assert_eq!(status, 400);
    assert!(!field_error(&body, "for_sale").is_empty());
    let (status, _) = api
        .get("/api/v2/memberships?permits_registration_for_event=soon")
        .await;
    assert_eq!(status, 400);

    // Retrieve: hidden is 404 for customers, visible to staff; ids must be integers.
    let (status, m) = api.get("/api/v2/memberships/103").await;
    assert_eq!(status, 200);
    assert_eq!(m["type"], "recurring_plan");
    assert_eq!(m["price"]["string"], "£79.00");
    assert_eq!(m["price"]["iso_currency_code"], "gbp");
    assert_eq!(api.get("/api/v2/memberships/108").await.0, 404);
    assert_eq!(api.get_as(RILEY, "/api/v2/memberships/108").await.0, 200);
    assert_eq!(api.get("/api/v2/memberships/abc").await.0, 404);
    assert_eq!(
        api.get("/api/v2/memberships/201").await.0,
        404,
        "another provider's"
    );
}

#[tokio::test]
async fn plans_link_lists_the_membership_plans() {
    let api = start().await;
    let (_, m) = api.get("/api/v2/memberships/103").await;
    let plans_url = m["plans"].as_str().unwrap();
    assert_eq!(
        plans_url,
        format!(
            "{}/api/v2/membership_payment_plans?membership=103",
            api.running.url()
        )
    );

    let (status, body) = api.get(plans_url).await;
    assert_eq!(status, 200, "{body}");
    let plans = body["results"].as_array().unwrap();
    assert_eq!(ids(plans), vec![1031, 1032, 1033]);
    assert_eq!(plans[0]["object"], "membership_payment_plan");
    assert_eq!(plans[0]["status"], "for_sale");
    assert_eq!(plans[0]["membership"], 103);
    assert_eq!(plans[0]["price"]["decimal"], 79.0);
    assert_eq!(plans[0]["price_with_period"], "£79.00 every month");
    assert_eq!(plans[1]["committed_billing_periods"], 12);
    assert_eq!(plans[2]["status"], "unavailable");
    assert_eq!(plans[2]["billing_period_unit"], "weeks");
    // joining_fee is deferred: absent unless expanded.
    assert!(plans[0].get("joining_fee").is_none());

    let (_, body) = api.get(&format!("{plans_url}&expand=joining_fee")).await;
    assert_eq!(
        body["results"][0]["joining_fee"]["amount"]["string"],
        "£25.00"
    );
    assert_eq!(body["results"][0]["joining_fee"]["object"], "joining_fee");
    assert_eq!(body["results"][1]["joining_fee"], Value::Null);

    let (_, m) = api.get("/api/v2/memberships/104").await;
    let (_, body) = api.get(m["plans"].as_str().unwrap()).await;
    assert_eq!(
        body["results"][1]["price_with_period"],
        "£26.00 every 2 weeks"
    );

    let (_, m) = api.get("/api/v2/memberships/101").await;
    let (_, body) = api.get(m["plans"].as_str().unwrap()).await;
    assert_eq!(body["count"], 0, "a pack has no plans");
}

#[tokio::test]
async fn events_filter_by_date_and_allow_250_per_page() {
    let api = start().await;
    let (status, body) = api.get("/api/v2/events?page_size=250").await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 42);
    let events = body["results"].as_array().unwrap();
    assert_eq!(events.len(), 42);
    assert_eq!(events[0]["id"], 5001);
    assert!(events
        .windows(2)
        .all(|w| w[0]["starts_at"].as_str() <= w[1]["starts_at"].as_str()));
    let e = &events[0];
    assert_eq!(e["object"], "event");
    // The page types is_appointment as a string; venue and offering_type are ids until
    // expanded, instructors a related-collection link (events/endpoints_events-list.md).
    assert_eq!(e["is_appointment"], "false");
    assert!(e["venue"].is_u64() && e["offering_type"].is_u64(), "{e}");
    assert!(e["instructors"].as_str().is_some_and(|u| u.starts_with("http")), "{e}");
    assert!(e.get("is_full").is_none(), "not a documented field: {e}");
    let (_, expanded) = api.get("/api/v2/events/5001?expand=venue").await;
    assert_eq!(expanded["venue"]["object"], "venue");
    assert_eq!(expanded["venue"]["name"], "Riverside Fitness Studio — Mill Lane");
    assert_eq!(expanded["offering_type"], e["offering_type"], "only what was asked is expanded");
    assert!(e["starts_at"].as_str().unwrap().ends_with(".000Z"));

    let from = events[3]["starts_at"].as_str().unwrap();
    let to = events[8]["starts_at"].as_str().unwrap();
    let url = format!("/api/v2/events?starts_at_gte={from}&starts_at_lte={to}");
    let window = api.get_all(ALEX, &url).await;
    assert_eq!(ids(&window), ids(&events[3..=8]));

    let (status, body) = api.get("/api/v2/events?starts_at_gte=next-tuesday").await;
    assert_eq!(status, 400);
    assert_eq!(
        field_error(&body, "starts_at_gte"),
        vec!["Enter a valid date/time."]
    );

    let cancelled = api.get_all(ALEX, "/api/v2/events?status=cancelled").await;
    assert_eq!(ids(&cancelled), vec![5004]);
    let (_, full) = api.get("/api/v2/events/5002").await;
    assert_eq!(full["attending_count"], full["max_occupancy"]);
    assert_eq!(
        api.get("/api/v2/events/7001").await.0,
        404,
        "provider 200's event"
    );
}

#[tokio::test]
async fn slot_ids_are_opaque_strings() {
    let api = start().await;
    let slots = api.get_all(ALEX, "/api/v2/slots").await;
    assert!(slots.len() >= 30);
    for s in &slots {
        let id = s["id"].as_str().expect("slot id is a JSON string");
        assert!(id.parse::<i64>().is_err(), "{id} must not be a number");
        assert_eq!(s["object"], "slot");
        assert_eq!(s["offering_type"]["name"], "Personal Training");
    }
    assert!(
        slots.iter().any(|s| s["available"] == false),
        "one slot starts booked"
    );
    let id = slots[0]["id"].as_str().unwrap();
    let (status, one) = api.get(&format!("/api/v2/slots/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], id);
    assert!(api
        .get_all(ALEX, "/api/v2/slots?offering_type=1")
        .await
        .is_empty());
}

#[tokio::test]
async fn unknown_routes_and_methods_use_the_error_envelope() {
    let api = start().await;
    let (status, body) = api.get("/api/v2/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let (status, body) = api
        .send(
            api.client
                .post(api.url("/api/v2/memberships"))
                .headers(ALEX.headers()),
        )
        .await;
    assert_eq!(status, 405);
    assert_eq!(body["code"], "method_not_allowed");
    assert_eq!(body["message"], "Method \"POST\" not allowed.");
}

#[tokio::test]
async fn cors_allows_any_origin_and_the_teamup_headers() {
    let api = start().await;
    let resp = api
        .client
        .request(
            reqwest::Method::OPTIONS,
            api.url("/api/v2/memberships/103/initiate_purchase"),
        )
        .header("Origin", "https://studio.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,teamup-provider-id,teamup-request-mode",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "authorization",
        "content-type",
        "teamup-provider-id",
        "teamup-request-mode",
    ] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
    assert!(h["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    let resp = api
        .client
        .get(api.url("/api/v2/memberships"))
        .headers(ALEX.headers())
        .header("Origin", "https://studio.example")
        .send()
        .await
        .unwrap();
    // Date (clock skew) and Retry-After (429/503, e.g. injected faults) are readable.
    assert_eq!(
        resp.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase(),
        "date,retry-after"
    );
}
