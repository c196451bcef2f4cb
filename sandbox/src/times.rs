//! Timestamps and studio-local time.
//!
//! TeamUp writes date-times as RFC 3339 in UTC with milliseconds and `Z`
//! (`2024-07-29T15:51:28.071Z`), so every timestamp the sandbox emits uses that one shape.
//! Studio-local times (demo schedule, payment page) need the provider's time zone; to avoid a
//! tz database dependency the common European zones are encoded with the EU daylight-saving
//! rule, which is exact for them (see README, ASSUMPTIONS).

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// `2026-11-23T10:15:00.000Z`
pub fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

/// Serde adapter so data files and API output share the exact TeamUp timestamp shape.
pub mod serde_ts {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_utc(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 date-time: {s:?}")))
    }
}

/// A time zone the sandbox knows how to convert to: a standard offset, optionally with the EU
/// summer-time rule (last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    base_seconds: i32,
    eu_summer_time: bool,
    /// Europe/London style abbreviations (GMT/BST); other zones print as UTC±hh:mm.
    british: bool,
}

impl Zone {
    pub const UTC: Zone = Zone {
        base_seconds: 0,
        eu_summer_time: false,
        british: false,
    };

    /// Looks a tz database name up; `None` for zones the sandbox does not model.
    pub fn named(name: &str) -> Option<Zone> {
        let (base, dst, british) = match name {
            "UTC" | "Etc/UTC" | "Etc/GMT" | "GMT" | "Africa/Abidjan" | "Atlantic/Reykjavik" => {
                (0, false, false)
            }
            "Europe/London" | "Europe/Belfast" | "Europe/Guernsey" | "Europe/Jersey"
            | "Europe/Isle_of_Man" => (0, true, true),
            "Europe/Dublin" | "Europe/Lisbon" | "Atlantic/Madeira" | "Atlantic/Canary"
            | "Atlantic/Faroe" => (0, true, false),
            "Europe/Paris" | "Europe/Berlin" | "Europe/Madrid" | "Europe/Amsterdam"
            | "Europe/Brussels" | "Europe/Rome" | "Europe/Vienna" | "Europe/Zurich"
            | "Europe/Stockholm" | "Europe/Oslo" | "Europe/Copenhagen" | "Europe/Prague"
            | "Europe/Warsaw" | "Europe/Budapest" | "Europe/Luxembourg" | "Europe/Monaco"
            | "Europe/Malta" | "Europe/Belgrade" | "Europe/Zagreb" | "Europe/Ljubljana"
            | "Europe/Bratislava" => (3600, true, false),
            "Europe/Athens" | "Europe/Helsinki" | "Europe/Bucharest" | "Europe/Sofia"
            | "Europe/Kyiv" | "Europe/Kiev" | "Europe/Riga" | "Europe/Tallinn"
            | "Europe/Vilnius" => (7200, true, false),
            _ => return None,
        };
        Some(Zone {
            base_seconds: base,
            eu_summer_time: dst,
            british,
        })
    }

    /// Unknown names fall back to UTC (the CLI warns about it at start-up).
    pub fn named_or_utc(name: &str) -> Zone {
        Zone::named(name).unwrap_or(Zone::UTC)
    }

    fn in_summer_time(self, utc: OffsetDateTime) -> bool {
        if !self.eu_summer_time {
            return false;
        }
        let utc = utc.to_offset(UtcOffset::UTC);
        let year = utc.year();
        let start = last_sunday(year, Month::March)
            .with_time(Time::from_hms(1, 0, 0).unwrap())
            .assume_utc();
        let end = last_sunday(year, Month::October)
            .with_time(Time::from_hms(1, 0, 0).unwrap())
            .assume_utc();
        utc >= start && utc < end
    }

    pub fn offset_at(self, utc: OffsetDateTime) -> UtcOffset {
        let extra = if self.in_summer_time(utc) { 3600 } else { 0 };
        UtcOffset::from_whole_seconds(self.base_seconds + extra).unwrap_or(UtcOffset::UTC)
    }

    pub fn to_local(self, utc: OffsetDateTime) -> OffsetDateTime {
        utc.to_offset(self.offset_at(utc))
    }

    /// Wall-clock time in this zone to an instant. In the spring-forward gap or the autumn
    /// overlap the standard-time reading wins, which is good enough for a schedule.
    pub fn local_to_utc(self, date: Date, time: Time) -> OffsetDateTime {
        let naive = PrimitiveDateTime::new(date, time);
        let standard = UtcOffset::from_whole_seconds(self.base_seconds).unwrap_or(UtcOffset::UTC);
        let guess = naive.assume_offset(standard);
        naive
            .assume_offset(self.offset_at(guess))
            .to_offset(UtcOffset::UTC)
    }

    /// "GMT", "BST" or "UTC+01:00" for the given instant.
    pub fn abbreviation(self, utc: OffsetDateTime) -> String {
        let summer = self.in_summer_time(utc);
        if self.british {
            return if summer { "BST" } else { "GMT" }.to_string();
        }
        let off = self.offset_at(utc);
        if off.is_utc() {
            return "UTC".to_string();
        }
        let (h, m, _) = off.as_hms();
        let sign = if off.is_negative() { '-' } else { '+' };
        format!("UTC{sign}{:02}:{:02}", h.abs(), m.abs())
    }
}

fn last_sunday(year: i32, month: Month) -> Date {
    let mut d =
        Date::from_calendar_date(year, month, month.length(year)).expect("valid last day of month");
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day().expect("date in range");
    }
    d
}

/// Parses a query-string date-time the way Django's DateTimeField is lenient: RFC 3339, a
/// date-time without offset (read as studio-local) or a bare date (local midnight). A `+`
/// that arrived as a space because it was not percent-encoded is put back.
pub fn parse_filter_datetime(raw: &str, zone: Zone) -> Option<OffsetDateTime> {
    let s = raw.trim();
    if let Some(t) = parse_rfc3339(s) {
        return Some(t);
    }
    if s.len() > 19 && s.as_bytes()[s.len() - 6] == b' ' {
        let fixed = format!("{}+{}", &s[..s.len() - 6], &s[s.len() - 5..]);
        if let Some(t) = parse_rfc3339(&fixed) {
            return Some(t);
        }
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(s, &date_fmt) {
        return Some(zone.local_to_utc(d, Time::MIDNIGHT));
    }
    for fmt in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ] {
        if let Ok(p) = PrimitiveDateTime::parse(s, &fmt) {
            return Some(zone.local_to_utc(p.date(), p.time()));
        }
    }
    None
}

/// "Tue 24 Nov, 18:30" in the zone's wall-clock time.
pub fn short_local(zone: Zone, utc: OffsetDateTime) -> String {
    let l = zone.to_local(utc);
    format!(
        "{} {} {}, {:02}:{:02}",
        &l.weekday().to_string()[..3],
        l.day(),
        &l.month().to_string()[..3],
        l.hour(),
        l.minute()
    )
}

/// "10:15:00 GMT on Tue 24 Nov"
pub fn clock_local(zone: Zone, utc: OffsetDateTime) -> String {
    let l = zone.to_local(utc);
    format!(
        "{:02}:{:02}:{:02} {} on {} {} {}",
        l.hour(),
        l.minute(),
        l.second(),
        zone.abbreviation(utc),
        &l.weekday().to_string()[..3],
        l.day(),
        &l.month().to_string()[..3]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(
            format_utc(datetime!(2026-11-23 10:15:00.5 +01:00)),
            "2026-11-23T09:15:00.500Z"
        );
    }

    #[test]
    fn london_switches_at_eu_rule() {
        let z = Zone::named("Europe/London").unwrap();
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            z.offset_at(datetime!(2026-03-29 00:59 UTC)).whole_hours(),
            0
        );
        assert_eq!(
            z.offset_at(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            z.offset_at(datetime!(2026-10-25 00:59 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            z.offset_at(datetime!(2026-10-25 01:00 UTC)).whole_hours(),
            0
        );
        assert_eq!(z.abbreviation(datetime!(2026-07-01 12:00 UTC)), "BST");
        let t = z.local_to_utc(
            time::macros::date!(2026 - 07 - 01),
            time::macros::time!(18:30),
        );
        assert_eq!(format_utc(t), "2026-07-01T17:30:00.000Z");
    }

    #[test]
    fn filter_datetimes_are_lenient() {
        let z = Zone::named("Europe/London").unwrap();
        let want = datetime!(2026-11-23 10:00 UTC);
        assert_eq!(parse_filter_datetime("2026-11-23T10:00:00Z", z), Some(want));
        assert_eq!(
            parse_filter_datetime("2026-11-23T10:00:00 00:00", z),
            Some(want)
        );
        assert_eq!(parse_filter_datetime("2026-11-23T10:00", z), Some(want));
        assert_eq!(
            parse_filter_datetime("2026-11-23", z),
            Some(datetime!(2026-11-23 0:00 UTC))
        );
        assert_eq!(parse_filter_datetime("tomorrow", z), None);
    }
}
