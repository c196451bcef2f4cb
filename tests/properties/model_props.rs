//! The vendors' answers (`model/`): nothing panics on any document, and what parses is usable.

use super::*;

// ---------------------------------------------------------------------------------------------
// Exercising the models
// ---------------------------------------------------------------------------------------------

pub(crate) const NOW: f64 = 1_795_000_000_000.0;

pub(crate) fn use_membership(m: &Membership) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (m.needs_plan(), tr.t(m.kind_key()), m.price_label(tr), m.duration_label(tr), m.is_purchasable());
    }
}
pub(crate) fn use_plan(p: &PaymentPlan) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (p.is_for_sale(), p.period_label(tr), p.price_label(tr), p.commitment_label(tr), p.joining_fee_label(tr), p.due_today_label(tr));

    }
}
pub(crate) fn use_event(e: &Event) {
    let _ = (e.is_full(), e.is_bookable(NOW), e.is_bookable(f64::NAN), e.permission_group());
}
pub(crate) fn use_slot(s: &Slot) {
    let _ = (s.is_bookable(NOW), s.is_bookable(f64::NEG_INFINITY));
}
pub(crate) fn use_offer(o: &Offer) {
    let parsed = o.expires_at_ms();
    let read = read_offer(&Reply { body: serde_json::to_string(o).unwrap(), server_date_ms: None });
    assert_eq!(read.is_ok(), parsed.is_some(), "{o:?}");
    if let Some(pending) = PendingOffer::new(o, Some(NOW), NOW + 5_000.0, "m".into()) {
        let _ = pending.remaining_ms(NOW);
    }
}
pub(crate) fn use_money(m: &Money) {
    let _ = (m.label(Tr::english()), m.is_zero());
}
pub(crate) fn use_price(p: &Price) {
    assert!(p.value().is_none_or(f64::is_finite), "{p:?}");
    let _ = p.is_zero();
}
pub(crate) fn use_uelz_plan(p: &UelzPlan) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (p.is_recurring(), p.price_label(tr), p.billing_terms(tr));
    }
    use_price(&p.price);
}

/// Parses `doc` as every response type the widget reads and uses what parses. Errors are fine;
/// panics are not.
pub(crate) fn exercise(doc: &str) {
    if let Ok(m) = serde_json::from_str::<Membership>(doc) {
        use_membership(&m);
    }
    if let Ok(p) = serde_json::from_str::<PaymentPlan>(doc) {
        use_plan(&p);
    }
    if let Ok(e) = serde_json::from_str::<Event>(doc) {
        use_event(&e);
    }
    if let Ok(s) = serde_json::from_str::<Slot>(doc) {
        use_slot(&s);
    }
    if let Ok(p) = serde_json::from_str::<Profile>(doc) {
        let _ = customer_id_for(std::slice::from_ref(&p), p.provider.as_ref().and_then(Related::id).unwrap_or(1));
    }
    if let Ok(o) = serde_json::from_str::<Offer>(doc) {
        use_offer(&o);
    }
    if let Ok(m) = serde_json::from_str::<Money>(doc) {
        use_money(&m);
    }
    if let Ok(r) = serde_json::from_str::<Related>(doc) {
        let _ = (r.id(), r.name());
    }
    let _ = serde_json::from_str::<JoiningFeeField>(doc);
    if let Ok(page) = serde_json::from_str::<Page<Membership>>(doc) {
        page.results.iter().for_each(use_membership);
    }
    if let Ok(page) = serde_json::from_str::<Page<PaymentPlan>>(doc) {
        page.results.iter().for_each(use_plan);
    }
    if let Ok(page) = serde_json::from_str::<Page<Event>>(doc) {
        page.results.iter().for_each(use_event);
    }
    if let Ok(page) = serde_json::from_str::<Page<Slot>>(doc) {
        page.results.iter().for_each(use_slot);
    }
    if let Ok(page) = serde_json::from_str::<Page<Profile>>(doc) {
        let _ = customer_id_for(&page.results, 100);
    }
    if let Ok(p) = serde_json::from_str::<UelzPlan>(doc) {
        use_uelz_plan(&p);
    }
    if let Ok(reply) = serde_json::from_str::<PlansReply>(doc) {
        reply.plans.iter().for_each(use_uelz_plan);
    }
    if let Ok(q) = serde_json::from_str::<CouponQuote>(doc) {
        use_price(&q.discount);
        use_price(&q.total);
    }
    if let Ok(p) = serde_json::from_str::<Price>(doc) {
        use_price(&p);
    }
    let _ = serde_json::from_str::<Period>(doc);
    if let Ok(p) = serde_json::from_str::<PendingOffer>(doc) {
        let _ = p.remaining_ms(NOW);
    }
    let _ = serde_json::from_str::<Attempt>(doc);
    if let Ok(p) = serde_json::from_str::<Provider>(doc) {
        let _ = p.time_zone().map(|z| assert!(!z.is_empty() && z.trim() == z));
    }
    if let Ok(page) = serde_json::from_str::<Page<CustomerMembership>>(doc) {
        let receipt = membership_checkout::backend::Receipt::TeamUp { customer: 1, membership: 1, booking: None, known: None, since: "2024-01-01".into() };
        let booked: Vec<Attendance> = serde_json::from_str(doc).unwrap_or_default();
        let _ = membership_checkout::backend::teamup::confirmation_of(&receipt, &page.results, Some(&booked));
    }
}

pub(crate) fn exercise_bytes(doc: &[u8]) {
    let _ = serde_json::from_slice::<Page<Membership>>(doc);
    let _ = serde_json::from_slice::<Page<PaymentPlan>>(doc);
    let _ = serde_json::from_slice::<Page<Event>>(doc);
    let _ = serde_json::from_slice::<Page<Slot>>(doc);
    let _ = serde_json::from_slice::<Page<Profile>>(doc);
    let _ = serde_json::from_slice::<Offer>(doc);
    let _ = serde_json::from_slice::<PlansReply>(doc);
    let _ = serde_json::from_slice::<CouponQuote>(doc);
    let _ = serde_json::from_slice::<PendingOffer>(doc);
    let _ = serde_json::from_slice::<Attempt>(doc);
    exercise(&String::from_utf8_lossy(doc));
}

// ---------------------------------------------------------------------------------------------
// Response models
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn models_never_panic_on_arbitrary_text(doc in text()) {
        exercise(&doc);
    }

    #[test]
    fn models_never_panic_on_arbitrary_bytes(doc in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise_bytes(&doc);
    }

    #[test]
    fn models_never_panic_on_random_json(doc in json_value()) {
        exercise(&doc.to_string());
    }


    #[test]
    fn models_never_panic_on_broken_json_text(doc in raw_json_text()) {
        exercise_bytes(doc.as_bytes());
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Half of these are clean documents, so the models' methods run on what parses.
    #[test]
    fn models_never_panic_on_near_valid_json(doc in model_doc()) {
        exercise(&doc.to_string());
    }

    /// Lenient parsing: required fields with the right types are enough, whatever else comes.
    #[test]
    fn unknown_fields_never_reject_a_valid_membership(
        id in 1u64..u64::MAX,
        name in text(),
        extra in prop::collection::vec((text(), json_value()), 0..6),
    ) {
        let mut obj: Map<String, Value> = extra.into_iter().filter(|(k, _)| !KEYS.contains(&k.as_str())).collect();
        obj.insert("id".into(), id.into());
        obj.insert("name".into(), name.clone().into());
        let doc = Value::Object(obj).to_string();
        let m: Membership = serde_json::from_str(&doc).unwrap();
        prop_assert_eq!((m.id, m.name, m.kind.as_str(), m.for_sale, m.visible_to_customers), (id, name, "", true, true));
        let page: Page<Membership> = serde_json::from_str(&format!(r#"{{"results":[{doc}],"next":null}}"#)).unwrap();
        prop_assert_eq!(page.results.len(), 1);
    }
}
