//! Retries of one purchase attempt: across the studio's midnight they send Uelz the same body
//! (one purchase), and when Uelz is slow every answer comes before the widget's time limit while
//! the attempt's work goes on once (no second customer, no second purchase).

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use checkout_gateway::config::WIDGET_PURCHASE_TIMEOUT;
use checkout_gateway::{Clock, StudioZone};
use common::*;
use serde_json::Value;
use time::{Duration as Days, OffsetDateTime, PrimitiveDateTime, Time};

/// A clock the test moves: Unix seconds.
fn settable_clock(start: OffsetDateTime) -> (Clock, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(start.unix_timestamp()));
    let read = now.clone();
    let clock = Clock::from_fn(move || OffsetDateTime::from_unix_timestamp(read.load(Ordering::SeqCst)).unwrap());
    (clock, now)
}

/// 23:59:50 on `date` in Berlin (UTC+1 or UTC+2), as an instant: ten seconds before the
/// studio's midnight.
fn ten_seconds_before_berlin_midnight(zone: &StudioZone, date: time::Date) -> OffsetDateTime {
    let naive = PrimitiveDateTime::new(date, Time::from_hms(23, 59, 50).unwrap()).assume_utc();
    [1i64, 2]
        .into_iter()
        .map(|h| naive - Days::hours(h))
        .find(|t| zone.date_at(*t) == date && zone.date_at(*t + Days::seconds(11)) == date + Days::days(1))
        .expect("Berlin is UTC+1 or UTC+2")
}

#[tokio::test]
async fn a_retry_across_the_studios_midnight_creates_one_purchase() {
    let zone = StudioZone::named("Europe/Berlin").unwrap();
    let day = zone.date_at(OffsetDateTime::now_utc());
    let (clock, now) = settable_clock(ten_seconds_before_berlin_midnight(&zone, day));
    let env = start_with(|c| {
        c.timezone = zone.clone();
        c.clock = clock;
    })
    .await;
    // The summer pass is a fixed-term plan (84 days) without a start date: its end date
    // depends on the day it is bought.
    let body = purchase_body(SUMMER, "attempt-midnight-01");
    env.arm_fault("uelz.purchases.create", "drop_after_acting", 1).await;
    envelope(env.post("/v1/purchases", &body).await, 502, "upstream_unavailable").await;
    let made = env.uelz_purchases().await;
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["end_date"], ymd(day + Days::days(84)), "today in Berlin + 84 days");

    // Twenty seconds later it is the next day in Berlin; the customer presses "Try again".
    now.fetch_add(20, Ordering::SeqCst);
    assert_eq!(zone.date_at(OffsetDateTime::from_unix_timestamp(now.load(Ordering::SeqCst)).unwrap()), day + Days::days(1));
    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "the retry is the same request, not a 409: {v}");
    assert_eq!(v["purchase_id"], made[0]["id"]);
    let all = env.uelz_purchases().await;
    assert_eq!(all.len(), 1, "one purchase: {all:?}");
    assert!(env.log_text().contains("uelz 200 repeat"), "{}", env.log_text());

    // A new attempt after midnight is a new day's purchase.
    let (s, v) = json_of(env.post("/v1/purchases", &purchase_body(SUMMER, "attempt-midnight-02")).await).await;
    assert_eq!(s, 201, "{v}");
    let all = env.uelz_purchases().await;
    let second = all.iter().find(|p| p["external_id"] == "attempt-midnight-02").unwrap();
    assert_eq!(second["end_date"], ymd(day + Days::days(85)));
}

#[tokio::test]
async fn the_end_date_follows_the_studios_calendar_not_utc() {
    // 23:30 UTC is already tomorrow in Tokyo and still today in Los Angeles.
    let utc_day = OffsetDateTime::now_utc().date();
    let late = PrimitiveDateTime::new(utc_day, Time::from_hms(23, 30, 0).unwrap()).assume_utc();
    for (zone, shift) in [("Asia/Tokyo", 1), ("America/Los_Angeles", 0)] {
        let (clock, _) = settable_clock(late);
        let env = start_with(|c| {
            c.timezone = StudioZone::named(zone).unwrap();
            c.clock = clock;
        })
        .await;
        let ext = format!("attempt-zone-{}", shift);
        let (s, v) = json_of(env.post("/v1/purchases", &purchase_body(SUMMER, &ext)).await).await;
        assert_eq!(s, 201, "{zone}: {v}");
        let all = env.uelz_purchases().await;
        assert_eq!(all[0]["end_date"], ymd(utc_day + Days::days(84 + shift)), "{zone}");
    }
}

#[tokio::test]
async fn slow_uelz_calls_end_before_the_widgets_limit_with_one_customer_and_one_purchase() {
    let deadline = Duration::from_millis(300);
    let env = start_with(|c| c.purchase_deadline = deadline).await;
    // Every Uelz call for the customer and the purchase takes 0.7 s: the attempt takes over 2 s,
    // several times the gateway's deadline, and a retry that ran on its own would look for the
    // attempt's customer before the first try had made it (and make a second one).
    env.arm_fault_ms("uelz.customers", "latency", 0, 700).await;
    env.arm_fault_ms("uelz.purchases.create", "latency", 0, 700).await;
    let body = purchase_body(MONTHLY, "attempt-slow-00001");

    // What the widget does: send, and send again (same external_id) while the answer is a 5xx.
    let started = Instant::now();
    let mut answers: Vec<(u16, Duration, Value)> = Vec::new();
    loop {
        let t = Instant::now();
        let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
        answers.push((s.as_u16(), t.elapsed(), v));
        if s != 504 || answers.len() >= 20 {
            break;
        }
    }
    for (s, took, v) in &answers {
        assert!(*took < deadline + Duration::from_millis(800), "{s} after {took:?}: {v}");
        assert!(*took < WIDGET_PURCHASE_TIMEOUT);
        if *s == 504 {
            assert_eq!(v["code"], "upstream_unavailable", "{v}");
            assert_eq!(v["message"], "The billing service didn't answer. Try again: you won't be charged twice.");
        }
    }
    assert!(answers.len() >= 3, "the first answers are the deadline's: {answers:?}");
    let (last_status, _, last) = answers.last().unwrap();
    assert_eq!(*last_status, 201, "{answers:?}");
    assert!(started.elapsed() < Duration::from_secs(9), "{:?}", started.elapsed());
    assert!(env.log_text().contains("purchase deadline 300 ms"), "{}", env.log_text());
    env.clear_faults().await;

    let customers = env.uelz_customers().await;
    let ours: Vec<_> = customers.iter().filter(|c| c["external_customer_id"] == "checkout-attempt-slow-00001").collect();
    assert_eq!(ours.len(), 1, "no duplicate customer: {customers:?}");
    let purchases = env.uelz_purchases().await;
    assert_eq!(purchases.len(), 1, "{purchases:?}");
    assert_eq!(purchases[0]["id"], last["purchase_id"]);
    assert_eq!(purchases[0]["customer"], ours[0]["id"]);
}
