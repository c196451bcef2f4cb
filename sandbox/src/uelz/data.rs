//! The Uelz catalogue the sandbox serves: plans, coupons, customers, billing configurations.
//! Amounts are integer cents inside and JSON numbers (`59.0`) outside.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UelzData {
    /// Shown on the hosted checkout page ("Payment — <name>").
    pub organization_name: String,
    pub plans: Vec<Plan>,
    pub coupons: Vec<Coupon>,
    pub customers: Vec<Customer>,
    pub billing_configurations: Vec<BillingConfiguration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanType {
    OneTime,
    Subscription,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Day => "day",
            Frequency::Week => "week",
            Frequency::Month => "month",
            Frequency::Quarter => "quarter",
            Frequency::Year => "year",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Active,
    Archived,
}

/// A plan exactly as `GET /uelz/plans` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: String,
    pub service_id: String,
    pub external_plan_id: String,
    pub plan_name: String,
    pub plan_description: String,
    pub plan_type: PlanType,
    /// Cents inside; a number of currency units in JSON.
    #[serde(rename = "plan_amount", with = "cents")]
    pub amount: i64,
    pub plan_currency: String,
    pub frequency: Option<Frequency>,
    pub billing_cycles: Option<u32>,
    pub payment_day: Option<u8>,
    pub has_service_activation_date: bool,
    pub trial_days: u32,
    pub status: PlanStatus,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountType {
    Percentage,
    FixedAmount,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub id: String,
    pub code: String,
    pub name: String,
    pub discount_type: DiscountType,
    /// 10.0 = 10 %.
    pub percent_off: Option<f64>,
    #[serde(with = "opt_cents")]
    pub amount_off: Option<i64>,
    pub currency: Option<String>,
    #[serde(with = "opt_date")]
    pub valid_until: Option<Date>,
    /// `None`: every plan.
    pub plans: Option<Vec<String>>,
    pub active: bool,
}

impl Coupon {
    /// The discount on `amount` cents, never more than the amount.
    pub fn discount_on(&self, amount: i64) -> i64 {
        let d = match self.discount_type {
            DiscountType::Percentage => {
                let bp = (self.percent_off.unwrap_or(0.0) * 100.0).round() as i64;
                crate::money::percent_of(amount, bp.clamp(0, 10_000))
            }
            DiscountType::FixedAmount => self.amount_off.unwrap_or(0),
        };
        d.clamp(0, amount)
    }

    pub fn applies_to(&self, plan: &str) -> bool {
        self.plans
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|p| p == plan))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub id: String,
    pub external_customer_id: Option<String>,
    pub email: String,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BillingConfiguration {
    pub id: String,
    pub name: String,
    pub retries: u32,
    pub retry_interval_days: u32,
}

impl UelzData {
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }
    pub fn coupon(&self, id: &str) -> Option<&Coupon> {
        self.coupons.iter().find(|c| c.id == id)
    }
    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }
    pub fn billing_configuration(&self, id: &str) -> Option<&BillingConfiguration> {
        self.billing_configurations.iter().find(|b| b.id == id)
    }

    /// The demo catalogue of docs/contract.md §3, dated from today (UTC).
    pub fn demo() -> UelzData {
        Self::demo_at(OffsetDateTime::now_utc().date())
    }

    pub fn demo_at(today: Date) -> UelzData {
        const STUDIO: &str = "clsv0r1vers1destudio00001";
        const ONLINE: &str = "clsv0on11neclasses0000002";
        let plan = |id: &str, service: &str, ext: &str, name: &str, desc: &str, amount: i64| Plan {
            id: id.into(),
            service_id: service.into(),
            external_plan_id: ext.into(),
            plan_name: name.into(),
            plan_description: desc.into(),
            plan_type: PlanType::Subscription,
            amount,
            plan_currency: "EUR".into(),
            frequency: Some(Frequency::Month),
            billing_cycles: None,
            payment_day: None,
            has_service_activation_date: false,
            trial_days: 0,
            status: PlanStatus::Active,
            metadata: BTreeMap::new(),
        };
        let plans = vec![
            Plan {
                plan_type: PlanType::OneTime,
                frequency: None,
                ..plan(
                    "clpl0drop1n10card000000001",
                    STUDIO,
                    "riverside-10-class-card",
                    "10-class card",
                    "Ten classes of your choice, valid for six months.",
                    12_000,
                )
            },
            plan(
                "clpl0month1yun11m1ted00002",
                STUDIO,
                "riverside-monthly-unlimited",
                "Monthly unlimited",
                "Unlimited classes, billed monthly until you cancel.",
                5_900,
            ),
            Plan {
                frequency: Some(Frequency::Year),
                ..plan(
                    "clpl0annua1un11m1ted000003",
                    STUDIO,
                    "riverside-annual-unlimited",
                    "Annual unlimited",
                    "Unlimited classes, billed yearly until you cancel.",
                    59_000,
                )
            },
            Plan {
                billing_cycles: Some(12),
                payment_day: Some(1),
                ..plan(
                    "clpl0comm1t12month0000004",
                    STUDIO,
                    "riverside-12-month-commitment",
                    "12-month commitment",
                    "Unlimited classes for twelve monthly payments.",
                    4_900,
                )
            },
            Plan {
                frequency: Some(Frequency::Week),
                metadata: BTreeMap::from([("term_days".to_string(), "84".to_string())]),
                ..plan(
                    "clpl0summerpass12wk000005",
                    STUDIO,
                    "riverside-summer-pass",
                    "Summer pass (12 weeks)",
                    "Unlimited classes all summer, billed weekly for twelve weeks.",
                    1_500,
                )
            },
            Plan {
                has_service_activation_date: true,
                ..plan(
                    "clpl0reformerstart0000006",
                    STUDIO,
                    "riverside-reformer-course",
                    "Reformer course",
                    "Small-group reformer Pilates course; choose the date you start.",
                    8_900,
                )
            },
            Plan {
                plan_currency: "USD".into(),
                ..plan(
                    "clpl0on11neclassesusd0007",
                    ONLINE,
                    "riverside-online-classes",
                    "Online classes",
                    "Live-streamed and on-demand classes.",
                    1_900,
                )
            },
            Plan {
                status: PlanStatus::Archived,
                ..plan(
                    "clpl0o1darch1ved000000008",
                    STUDIO,
                    "riverside-founders-2019",
                    "Founders monthly (archived)",
                    "No longer sold.",
                    3_900,
                )
            },
        ];
        let coupon = |id: &str, code: &str, name: &str| Coupon {
            id: id.into(),
            code: code.into(),
            name: name.into(),
            discount_type: DiscountType::Percentage,
            percent_off: None,
            amount_off: None,
            currency: None,
            valid_until: None,
            plans: None,
            active: true,
        };
        let coupons = vec![
            Coupon {
                percent_off: Some(10.0),
                ..coupon(
                    "clcp0we1come10000000000001",
                    "WELCOME10",
                    "Welcome 10 % off",
                )
            },
            Coupon {
                discount_type: DiscountType::FixedAmount,
                amount_off: Some(500),
                currency: Some("EUR".into()),
                ..coupon("clcp0f1veoff0000000000002", "FIVEOFF", "€5 off")
            },
            Coupon {
                percent_off: Some(20.0),
                valid_until: Some(today - Duration::days(30)),
                ..coupon("clcp0spr1ng20000000000003", "SPRING", "Spring 20 % off")
            },
            Coupon {
                discount_type: DiscountType::FixedAmount,
                amount_off: Some(5_000),
                currency: Some("EUR".into()),
                valid_until: Some(today + Duration::days(90)),
                plans: Some(vec!["clpl0annua1un11m1ted000003".into()]),
                ..coupon(
                    "clcp0annua150000000000004",
                    "ANNUAL50",
                    "€50 off the annual plan",
                )
            },
            Coupon {
                percent_off: Some(15.0),
                active: false,
                ..coupon("clcp0paused0000000000005", "PAUSED", "Paused 15 % off")
            },
        ];
        let customers = vec![
            Customer {
                id: "clcu0a1exrunner0000000001".into(),
                external_customer_id: Some("riverside-4242".into()),
                email: "alex@example.com".into(),
                name: Some("Alex Runner".into()),
            },
            Customer {
                id: "clcu0saml1fter0000000002".into(),
                external_customer_id: Some("riverside-4343".into()),
                email: "sam@example.com".into(),
                name: Some("Sam Lifter".into()),
            },
        ];
        let billing_configurations = vec![
            BillingConfiguration {
                id: "bc_default".into(),
                name: "Uelz default: 3 retries, 2 days apart".into(),
                retries: 3,
                retry_interval_days: 2,
            },
            BillingConfiguration {
                id: "bc_gentle".into(),
                name: "Gentle: 5 retries, 4 days apart".into(),
                retries: 5,
                retry_interval_days: 4,
            },
        ];
        UelzData {
            organization_name: "Riverside Fitness Studio".into(),
            plans,
            coupons,
            customers,
            billing_configurations,
        }
    }
}

/// `YYYY-MM-DD`, strictly.
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    if s.len() != 10 {
        return None;
    }
    Date::parse(s, &fmt).ok()
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

mod cents {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(crate::money::cents_to_f64(*c))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let f = f64::deserialize(d)?;
        crate::money::cents_from_f64(f).ok_or_else(|| {
            serde::de::Error::custom(format!("{f} is not an amount with at most two decimals"))
        })
    }
}

mod opt_cents {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match c {
            Some(c) => s.serialize_f64(crate::money::cents_to_f64(*c)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            None => Ok(None),
            Some(f) => crate::money::cents_from_f64(f).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("{f} is not an amount with at most two decimals"))
            }),
        }
    }
}

mod opt_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::format_date(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => super::parse_date(&s)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {s:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn demo_matches_the_contract() {
        let d = UelzData::demo_at(date!(2026 - 05 - 10));
        let ids: Vec<&str> = d.plans.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "clpl0drop1n10card000000001",
                "clpl0month1yun11m1ted00002",
                "clpl0annua1un11m1ted000003",
                "clpl0comm1t12month0000004",
                "clpl0summerpass12wk000005",
                "clpl0reformerstart0000006",
                "clpl0on11neclassesusd0007",
                "clpl0o1darch1ved000000008",
            ]
        );
        let json = serde_json::to_value(d.plan("clpl0month1yun11m1ted00002").unwrap()).unwrap();
        assert_eq!(json["plan_amount"], serde_json::json!(59.0));
        assert_eq!(json["plan_type"], "subscription");
        assert_eq!(json["frequency"], "month");
        assert_eq!(json["billing_cycles"], serde_json::Value::Null);
        let spring = d.coupons.iter().find(|c| c.code == "SPRING").unwrap();
        assert_eq!(spring.valid_until, Some(date!(2026 - 04 - 10)));
        let json = serde_json::to_value(spring).unwrap();
        assert_eq!(json["valid_until"], "2026-04-10");
        assert_eq!(json["percent_off"], serde_json::json!(20.0));
        let five = d.coupons.iter().find(|c| c.code == "FIVEOFF").unwrap();
        assert_eq!(
            serde_json::to_value(five).unwrap()["amount_off"],
            serde_json::json!(5.0)
        );
        assert_eq!(d.customers.len(), 2);
    }

    #[test]
    fn data_round_trips_through_json() {
        let d = UelzData::demo();
        let back: UelzData = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn discounts_never_exceed_the_amount() {
        let d = UelzData::demo_at(date!(2026 - 05 - 10));
        let by_code = |c: &str| d.coupons.iter().find(|x| x.code == c).unwrap().clone();
        assert_eq!(by_code("WELCOME10").discount_on(5_900), 590);
        assert_eq!(by_code("FIVEOFF").discount_on(1_500), 500);
        assert_eq!(by_code("FIVEOFF").discount_on(300), 300);
        assert_eq!(by_code("ANNUAL50").discount_on(59_000), 5_000);
        assert!(by_code("ANNUAL50").applies_to("clpl0annua1un11m1ted000003"));
        assert!(!by_code("ANNUAL50").applies_to("clpl0month1yun11m1ted00002"));
        assert!(by_code("WELCOME10").applies_to("anything"));
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-02-28"), Some(date!(2026 - 02 - 28)));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-2-3"), None);
        assert_eq!(parse_date("2026-02-28T00:00:00Z"), None);
        assert_eq!(format_date(date!(2026 - 03 - 04)), "2026-03-04");
    }
}
