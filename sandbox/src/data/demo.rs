//! The built-in demo: "Riverside Fitness Studio" (provider 100) and its sister site
//! "Riverside Fitness — Harbour" (provider 200). Ids are fixed so tests can rely on them;
//! the schedule starts the day after `now` (studio-local) and runs for 14 days, so every
//! event and slot is in the future when the sandbox starts.

use time::{Duration, OffsetDateTime, Time, Weekday};

use super::*;

const GBP: (&str, &str, &str) = ("GBP", "£", "before");

// Offering types.
const YOGA: u64 = 1;
const HIIT: u64 = 2;
const SPIN: u64 = 3;
const PERSONAL_TRAINING: u64 = 4;
const HARBOUR_YOGA: u64 = 21;
const REFORMER: u64 = 22;

// Venue, rooms and instructors.
const MAIN_SITE: u64 = 1;
const STUDIO_1: u64 = 11;
const SPIN_ROOM: u64 = 12;
const YOGA_LOFT: u64 = 13;
const PT_SUITE: u64 = 14;
const HARBOUR_SITE: u64 = 2;
const HARBOUR_STUDIO: u64 = 21;

/// Event 5002 starts full (so the widget and tests can see a refused full class).
pub const FULL_EVENT: u64 = 5002;
/// Event 5004 is cancelled.
pub const CANCELLED_EVENT: u64 = 5004;

pub fn build(now: OffsetDateTime) -> StudioData {
    let currency = Currency {
        iso_currency_code: GBP.0.into(),
        symbol: GBP.1.into(),
        position: GBP.2.into(),
    };
    let providers = vec![
        Provider {
            id: 100,
            name: "Riverside Fitness Studio".into(),
            timezone: "Europe/London".into(),
            currency: currency.clone(),
            country: "GB".into(),
            description: "Yoga, HIIT and Spin by the river.".into(),
            street: "1 Mill Lane".into(),
            street_secondary: None,
            city: "London".into(),
            region: None,
            postal_code: "E1 6AA".into(),
        },
        Provider {
            id: 200,
            name: "Riverside Fitness — Harbour".into(),
            timezone: "Europe/London".into(),
            currency,
            country: "GB".into(),
            description: "Yoga and Reformer Pilates on the water.".into(),
            street: "4 Harbour Wharf".into(),
            street_secondary: Some("Unit 2".into()),
            city: "London".into(),
            region: None,
            postal_code: "E14 3AB".into(),
        },
    ];

    let users = vec![
        User {
            token: "demo-customer-token".into(),
            first_name: "Alex".into(),
            last_name: "Runner".into(),
            email: "alex.runner@example.com".into(),
            profiles: vec![customer(4242, 100, false), customer(5151, 200, false)],
        },
        User {
            token: "demo-customer-2-token".into(),
            first_name: "Sam".into(),
            last_name: "Lifter".into(),
            email: "sam.lifter@example.com".into(),
            // Sam has been a member before, so "Intro Week" (new customers only) is refused.
            profiles: vec![customer(4343, 100, true)],
        },
        User {
            token: "demo-staff-token".into(),
            first_name: "Riley".into(),
            last_name: "Morgan".into(),
            email: "riley.morgan@riverside-fitness.example".into(),
            profiles: vec![Profile {
                id: 9001,
                provider: 100,
                profile_type: ProfileType::Staff,
                permissions: vec!["super_admin".into()],
                existing_member: false,
            }],
        },
    ];

    let offering_types = vec![
        offering(YOGA, 100, "Yoga", false),
        offering(HIIT, 100, "HIIT", false),
        offering(SPIN, 100, "Spin", false),
        offering(PERSONAL_TRAINING, 100, "Personal Training", true),
        offering(HARBOUR_YOGA, 200, "Harbour Yoga", false),
        offering(REFORMER, 200, "Reformer Pilates", false),
    ];

    let venues = vec![
        Venue {
            id: MAIN_SITE,
            provider: 100,
            name: "Riverside Fitness Studio — Mill Lane".into(),
            address: "1 Mill Lane, London E1 6AA".into(),
            rooms: vec![
                room(STUDIO_1, "Studio 1"),
                room(SPIN_ROOM, "Spin Room"),
                room(YOGA_LOFT, "Yoga Loft"),
                room(PT_SUITE, "PT Suite"),
            ],
        },
        Venue {
            id: HARBOUR_SITE,
            provider: 200,
            name: "Riverside Fitness — Harbour Wharf".into(),
            address: "4 Harbour Wharf, London E14 3AB".into(),
            rooms: vec![room(HARBOUR_STUDIO, "Harbour Studio")],
        },
    ];

    let instructors = vec![
        instructor(31, 100, "Priya Shah"),
        instructor(32, 100, "Tom Okafor"),
        instructor(33, 100, "Maya Chen"),
        instructor(34, 100, "Dan Brooks"),
        instructor(35, 100, "Ella Morris"),
        instructor(41, 200, "Sofia Marin"),
    ];

    let classes = vec![YOGA, HIIT, SPIN];
    let memberships = vec![
        Membership {
            description: "Ten classes of your choice — Yoga, HIIT or Spin. Valid for 3 months from your first class.".into(),
            begin_on_first_registration: true,
            duration: Some(3),
            duration_unit: Some("months".into()),
            category: Some(1),
            ..membership(101, 100, MembershipType::Pack, "10-Class Pack", 90.0, &classes)
        },
        Membership {
            description: "A single class, any type. Use it within a month.".into(),
            is_dropin: true,
            duration: Some(1),
            duration_unit: Some("months".into()),
            category: Some(1),
            ..membership(102, 100, MembershipType::Pack, "Drop-in Class", 12.0, &classes)
        },
        Membership {
            description: "Every Yoga, HIIT and Spin class, as often as you like.".into(),
            display_price: Some(69.0),
            category: Some(2),
            ..membership(103, 100, MembershipType::RecurringPlan, "Unlimited Monthly", 79.0, &classes)
        },
        Membership {
            description: "Unlimited Yoga and Spin on weekdays before 4pm and all weekend.".into(),
            category: Some(2),
            ..membership(104, 100, MembershipType::RecurringPlan, "Off-Peak Membership", 49.0, &[YOGA, SPIN])
        },
        Membership {
            description: "One-to-one sessions with a personal trainer, booked in the PT Suite.".into(),
            category: Some(3),
            ..membership(105, 100, MembershipType::RecurringPlan, "Personal Training Plan", 120.0, &[PERSONAL_TRAINING])
        },
        Membership {
            description: "Three months of unlimited classes, paid up front.".into(),
            duration: Some(3),
            duration_unit: Some("months".into()),
            category: Some(2),
            ..membership(106, 100, MembershipType::PrepaidPlan, "3-Month Prepaid", 210.0, &classes)
        },
        Membership {
            description: "Our original members' rate. Closed to new sign-ups.".into(),
            for_sale: false,
            category: Some(2),
            ..membership(107, 100, MembershipType::RecurringPlan, "Founders Membership", 59.0, &classes)
        },
        Membership {
            description: "Ten classes for staff and their families.".into(),
            visible_to_customers: false,
            duration: Some(6),
            duration_unit: Some("months".into()),
            category: Some(1),
            ..membership(108, 100, MembershipType::Pack, "Staff & Family", 30.0, &classes)
        },
        Membership {
            description: "Seven days of unlimited Yoga and HIIT for first-timers.".into(),
            new_customers_only: true,
            allow_repeat_purchases: false,
            duration: Some(7),
            duration_unit: Some("days".into()),
            category: Some(1),
            ..membership(109, 100, MembershipType::PrepaidPlan, "Intro Week", 25.0, &[YOGA, HIIT])
        },
        Membership {
            description: "Five classes at the Harbour site.".into(),
            category: Some(4),
            duration: Some(2),
            duration_unit: Some("months".into()),
            ..membership(201, 200, MembershipType::Pack, "Harbour 5-Class Pack", 50.0, &[HARBOUR_YOGA, REFORMER])
        },
        Membership {
            description: "Unlimited classes at the Harbour site.".into(),
            category: Some(5),
            ..membership(202, 200, MembershipType::RecurringPlan, "Harbour Unlimited", 65.0, &[HARBOUR_YOGA, REFORMER])
        },
    ];

    let payment_plans = vec![
        PaymentPlan {
            joining_fee: Some(JoiningFee {
                id: 901,
                amount: 25.0,
            }),
            ..plan(1031, 103, 79.0, 1, BillingUnit::Months)
        },
        PaymentPlan {
            committed_billing_periods: Some(12),
            commitment_expiration_scheme: "renew_contract".into(),
            cancellation_notice_days: Some(30),
            ..plan(1032, 103, 69.0, 1, BillingUnit::Months)
        },
        PaymentPlan {
            status: PlanStatus::Unavailable,
            fixed_billing_day_of_week: Some("monday".into()),
            ..plan(1033, 103, 20.0, 1, BillingUnit::Weeks)
        },
        PaymentPlan {
            fixed_billing_day_of_month: Some(1),
            enrollment_schedule: "next_possible_prorate".into(),
            ..plan(1041, 104, 49.0, 1, BillingUnit::Months)
        },
        plan(1042, 104, 26.0, 2, BillingUnit::Weeks),
        PaymentPlan {
            duration_description: "4 sessions a month, until cancelled".into(),
            joining_fee: Some(JoiningFee {
                id: 902,
                amount: 30.0,
            }),
            ..plan(1051, 105, 120.0, 1, BillingUnit::Months)
        },
        PaymentPlan {
            duration_description: "8 sessions a month, until cancelled".into(),
            joining_fee: Some(JoiningFee {
                id: 903,
                amount: 30.0,
            }),
            ..plan(1052, 105, 220.0, 1, BillingUnit::Months)
        },
        plan(1071, 107, 59.0, 1, BillingUnit::Months),
        plan(2021, 202, 65.0, 1, BillingUnit::Months),
    ];

    let tomorrow = providers[0]
        .zone()
        .to_local(now)
        .date()
        .next_day()
        .expect("date in range");
    let zone = providers[0].zone();

    // Three classes a day, rotating through a small timetable so names, instructors and rooms vary.
    struct Class {
        name: &'static str,
        offering: u64,
        minutes: i64,
        room: u64,
        instructor: u64,
        capacity: u32,
        blurb: &'static str,
    }
    const fn class(
        name: &'static str,
        offering: u64,
        minutes: i64,
        room: u64,
        instructor: u64,
        capacity: u32,
        blurb: &'static str,
    ) -> Class {
        Class {
            name,
            offering,
            minutes,
            room,
            instructor,
            capacity,
            blurb,
        }
    }
    let morning = [
        class(
            "Sunrise Spin",
            SPIN,
            45,
            SPIN_ROOM,
            32,
            20,
            "A hill-climb ride to wake you up.",
        ),
        class(
            "Early Bird Yoga",
            YOGA,
            60,
            YOGA_LOFT,
            31,
            18,
            "Gentle flow and breath work to start the day.",
        ),
        class(
            "Spin Express",
            SPIN,
            30,
            SPIN_ROOM,
            33,
            20,
            "Thirty minutes of intervals on the bike.",
        ),
    ];
    let midday = [
        class(
            "Lunchtime HIIT",
            HIIT,
            30,
            STUDIO_1,
            33,
            16,
            "Short, sharp intervals. Back at your desk by two.",
        ),
        class(
            "Core & Mobility",
            YOGA,
            45,
            YOGA_LOFT,
            31,
            18,
            "Core strength and joint mobility for every level.",
        ),
        class(
            "Tabata Blast",
            HIIT,
            30,
            STUDIO_1,
            32,
            16,
            "Twenty seconds on, ten off, eight rounds, four blocks.",
        ),
    ];
    let evening = [
        class(
            "Vinyasa Flow",
            YOGA,
            60,
            YOGA_LOFT,
            31,
            18,
            "A flowing, breath-led practice.",
        ),
        class(
            "Power Spin",
            SPIN,
            45,
            SPIN_ROOM,
            32,
            20,
            "Climbs and sprints to a loud playlist.",
        ),
        class(
            "HIIT Circuit",
            HIIT,
            45,
            STUDIO_1,
            33,
            16,
            "Stations of strength and cardio work.",
        ),
        class(
            "Yin Yoga",
            YOGA,
            75,
            YOGA_LOFT,
            31,
            18,
            "Long, quiet holds to unwind.",
        ),
    ];

    let mut events = Vec::new();
    let mut slots = Vec::new();
    let mut next_event_id = 5001;
    for (day, harbour_id) in (0..14u32).zip(7001u64..) {
        let date = tomorrow + Duration::days(day as i64);
        let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
        let times = if weekend {
            [(9, 0), (10, 30), (17, 0)]
        } else {
            [(7, 0), (12, 30), (18, 30)]
        };
        let picks = [
            &morning[day as usize % morning.len()],
            &midday[day as usize % midday.len()],
            &evening[day as usize % evening.len()],
        ];
        for (slot_no, (c, (h, m))) in picks.iter().zip(times).enumerate() {
            let id = next_event_id;
            next_event_id += 1;
            let starts_at = zone.local_to_utc(date, Time::from_hms(h, m, 0).expect("valid time"));
            // Varied but never full, except the one event that is meant to be.
            let mut attending = (day * 5 + slot_no as u32 * 3 + 2) % (c.capacity - 3);
            let mut waiting = 0;
            if id == FULL_EVENT {
                attending = c.capacity;
                waiting = 3;
            }
            events.push(Event {
                id,
                provider: 100,
                name: c.name.into(),
                description: c.blurb.into(),
                starts_at,
                ends_at: starts_at + Duration::minutes(c.minutes),
                status: if id == CANCELLED_EVENT {
                    EventStatus::Cancelled
                } else {
                    EventStatus::Active
                },
                max_occupancy: Some(c.capacity),
                attending_count: attending,
                waiting_count: waiting,
                venue: MAIN_SITE,
                venue_room: Some(c.room),
                offering_type: c.offering,
                instructors: vec![c.instructor],
                is_appointment: false,
            });
        }

        // Harbour: one evening class a day.
        let (name, offering) = if day % 2 == 0 {
            ("Harbour Sunset Yoga", HARBOUR_YOGA)
        } else {
            ("Reformer Pilates", REFORMER)
        };
        let starts_at = zone.local_to_utc(date, Time::from_hms(18, 0, 0).expect("valid time"));
        events.push(Event {
            id: harbour_id,
            provider: 200,
            name: name.into(),
            description: "At the Harbour Wharf studio.".into(),
            starts_at,
            ends_at: starts_at + Duration::minutes(50),
            status: EventStatus::Active,
            max_occupancy: Some(12),
            attending_count: (day * 3) % 9,
            waiting_count: 0,
            venue: HARBOUR_SITE,
            venue_room: Some(HARBOUR_STUDIO),
            offering_type: offering,
            instructors: vec![41],
            is_appointment: false,
        });

        // Personal Training: four one-hour slots each weekday, alternating trainers.
        if !weekend {
            for (n, (h, m)) in [(8, 0), (10, 0), (13, 0), (17, 30)].into_iter().enumerate() {
                let starts_at =
                    zone.local_to_utc(date, Time::from_hms(h, m, 0).expect("valid time"));
                let instructor = if (day as usize + n).is_multiple_of(2) {
                    34
                } else {
                    35
                };
                let seq = slots.len();
                slots.push(Slot {
                    id: slot_id(100, PERSONAL_TRAINING, instructor, starts_at),
                    provider: 100,
                    offering_type: PERSONAL_TRAINING,
                    instructor,
                    venue: MAIN_SITE,
                    venue_room: Some(PT_SUITE),
                    starts_at,
                    ends_at: starts_at + Duration::hours(1),
                    // The second slot is already booked by someone else.
                    available: seq != 1,
                });
            }
        }
    }

    StudioData {
        providers,
        users,
        offering_types,
        venues,
        instructors,
        memberships,
        payment_plans,
        events,
        slots,
        customer_memberships: Vec::new(),
        attendances: Vec::new(),
    }
}

/// Opaque, stable slot ids ("pt_" + 12 hex digits): the same schedule gets the same ids after
/// a reset, and nobody can mistake one for a number.
fn slot_id(provider: u64, offering: u64, instructor: u64, starts_at: OffsetDateTime) -> String {
    let key = format!(
        "{provider}:{offering}:{instructor}:{}",
        starts_at.unix_timestamp()
    );
    // FNV-1a: tiny, deterministic, no dependency.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("pt_{:012x}", h >> 16)
}

fn customer(id: u64, provider: u64, existing_member: bool) -> Profile {
    Profile {
        id,
        provider,
        profile_type: ProfileType::Customer,
        permissions: vec![],
        existing_member,
    }
}

fn offering(id: u64, provider: u64, name: &str, is_appointment: bool) -> OfferingType {
    OfferingType {
        id,
        provider,
        name: name.into(),
        is_appointment,
    }
}

fn room(id: u64, name: &str) -> Room {
    Room {
        id,
        name: name.into(),
    }
}

fn instructor(id: u64, provider: u64, name: &str) -> Instructor {
    Instructor {
        id,
        provider,
        name: name.into(),
    }
}

fn membership(
    id: u64,
    provider: u64,
    kind: MembershipType,
    name: &str,
    price: f64,
    offering_types: &[u64],
) -> Membership {
    Membership {
        id,
        provider,
        kind,
        name: name.into(),
        description: String::new(),
        begin_on_first_registration: false,
        start_date: None,
        expiration_date: None,
        duration: None,
        duration_unit: None,
        one_time_fee: 0.0,
        price,
        display_price: None,
        use_prorate: false,
        category: None,
        is_dropin: false,
        for_sale: true,
        allow_repeat_purchases: true,
        visible_to_customers: true,
        purchasable_only_by_provider: false,
        new_customers_only: false,
        terms: None,
        is_draft: false,
        offering_types: offering_types.to_vec(),
    }
}

fn plan(id: u64, membership: u64, price: f64, length: u32, unit: BillingUnit) -> PaymentPlan {
    PaymentPlan {
        id,
        membership,
        status: PlanStatus::ForSale,
        price,
        billing_period_length: length,
        billing_period_unit: unit,
        committed_billing_periods: None,
        fixed_billing_day_of_month: None,
        fixed_billing_day_of_week: None,
        commitment_expiration_scheme: "continue_by_period".into(),
        cancellation_notice_days: None,
        enrollment_schedule: "purchase_date".into(),
        duration_description: String::new(),
        price_with_period: String::new(),
        joining_fee: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_the_documented_shape() {
        let d = build(OffsetDateTime::now_utc());
        d.validate().unwrap();
        let ids: Vec<u64> = d
            .memberships
            .iter()
            .filter(|m| m.provider == 100)
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, (101..=109).collect::<Vec<_>>());
        let p100: Vec<&Event> = d.events.iter().filter(|e| e.provider == 100).collect();
        assert_eq!(p100.len(), 42);
        assert_eq!(p100[0].id, 5001);
        assert!(p100
            .windows(2)
            .all(|w| w[0].starts_at <= w[1].starts_at && w[0].id + 1 == w[1].id));
        assert!(d.event(FULL_EVENT).unwrap().is_full());
        assert_eq!(
            d.event(CANCELLED_EVENT).unwrap().status,
            EventStatus::Cancelled
        );
        assert!(d.slots.len() >= 30);
        assert!(d
            .slots
            .iter()
            .all(|s| s.id.starts_with("pt_") && s.id.parse::<u64>().is_err()));
    }
}
