//! Time as the widget needs it, in plain Rust that imports nothing of the crate: RFC 3339 to and
//! from epoch milliseconds (without a date crate, for the wasm's size), days to group classes by,
//! which zone times are shown in, and the countdown's arithmetic. Turning a time into words for a
//! locale is `i18n::intl`'s (through the browser's `Intl`).


/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Parses `2024-07-29T15:51:28.071Z` or `2024-07-29T16:51:28+01:00` (fraction optional) into
/// milliseconds since the epoch. Anything else is `None`.
pub fn parse_rfc3339_ms(s: &str) -> Option<f64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        // Whole milliseconds, the rest cut off: the first three digits, padded ("5" is 500).
        millis = b[start..i].iter().chain(b"000").take(3).fold(0.0, |ms, d| ms * 10.0 + f64::from(d - b'0'));
    }
    let offset_min = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs as f64 * 1000.0 + millis)
}

/// Formats epoch milliseconds as `2024-07-29T15:51:28.071Z`.
pub fn format_rfc3339_ms(ms: f64) -> String {
    let ms = ms.floor() as i64;
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, rem) = (rem / 3_600_000, rem % 3_600_000);
    let (mi, rem) = (rem / 60_000, rem % 60_000);
    let (s, milli) = (rem / 1000, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// `mm:ss` for a countdown; hours roll into minutes (`75:00`), never negative.
pub fn format_countdown(remaining_ms: f64) -> String {
    let secs = if remaining_ms > 0.0 { (remaining_ms / 1000.0).ceil() as u64 } else { 0 };
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// Classes grouped by day, in schedule order: `day_of` names an event's day (in the studio's
/// zone) and consecutive events with the same name share a group. A day seen again later (an
/// unsorted answer) joins its first group rather than appearing twice.
pub fn by_day<T, Day: PartialEq>(events: impl IntoIterator<Item = T>, mut day_of: impl FnMut(&T) -> Day) -> Vec<(Day, Vec<T>)> {
    let mut days: Vec<(Day, Vec<T>)> = Vec::new();
    for event in events {
        let day = day_of(&event);
        match days.iter_mut().rev().find(|(d, _)| *d == day) {
            Some((_, list)) => list.push(event),
            None => days.push((day, vec![event])),
        }
    }
    days
}

/// Which day a class falls on, as a number to group by. When the zone's UTC offset is the same
/// all through the schedule (no clock change in its two weeks, the usual case) a day is plain
/// arithmetic and each needs one `Intl` call for its name; otherwise each quarter hour is looked
/// up (every zone's offset is a whole number of quarter hours).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DayKeys {
    FixedOffset(f64),
    Quarters,
}

impl DayKeys {
    /// `FixedOffset` when the offsets at the schedule's first and last class agree.
    pub fn for_span(first_offset_ms: Option<f64>, last_offset_ms: Option<f64>) -> Self {
        match (first_offset_ms, last_offset_ms) {
            (Some(a), Some(b)) if a == b => DayKeys::FixedOffset(a),
            _ => DayKeys::Quarters,
        }
    }

    pub fn key(self, ms: f64) -> i64 {
        match self {
            DayKeys::FixedOffset(offset) => ((ms + offset) / 86_400_000.0).floor() as i64,
            DayKeys::Quarters => (ms / 900_000.0).floor() as i64,
        }
    }
}

/// Which zone class and slot times, their days and the offer's deadline are shown in, and what
/// the customer is told about it.
#[derive(Clone, Debug, PartialEq)]
pub enum ZoneChoice {
    /// The studio's zone is the customer's: their own clock, nothing to say.
    Same,
    /// The studio's zone, named on every time (so "18:00 GMT" can't be misread as the customer's
    /// 18:00) and in a note.
    Studio(String),
    /// The studio didn't say, or named a zone this browser doesn't know: the customer's own
    /// clock, with a note saying so.
    Fallback,
}

impl ZoneChoice {
    /// The zone to format in, when it isn't the customer's own.
    pub fn zone(&self) -> Option<&str> {
        match self {
            ZoneChoice::Studio(zone) => Some(zone),
            _ => None,
        }
    }
}

/// The choice for the studio's zone (`address.timezone`) seen from the customer's; `known`
/// says whether the platform can convert to a zone (`i18n::intl::zone_known`).
pub fn choose_zone(studio: Option<&str>, customer: Option<&str>, known: impl Fn(&str) -> bool) -> ZoneChoice {
    match studio.map(str::trim).filter(|z| !z.is_empty()) {
        Some(zone) if !known(zone) => ZoneChoice::Fallback,
        Some(zone) if Some(zone) == customer => ZoneChoice::Same,
        Some(zone) => ZoneChoice::Studio(zone.to_string()),
        None => ZoneChoice::Fallback,
    }
}

/// How long before an offer lapses a screen reader is told the time left (besides on arrival):
/// often enough to plan by, never every second.
pub const ANNOUNCE_AT_S: [u32; 5] = [30, 60, 120, 300, 600];

/// The announcement point the time left has reached (`None` while more than ten minutes are left).
pub fn countdown_milestone(remaining_ms: f64) -> Option<u32> {
    ANNOUNCE_AT_S.into_iter().find(|s| remaining_ms <= f64::from(*s) * 1000.0)
}

/// `YYYY-MM-DD` with a plausible month and day (the date input's own format).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| s[r].bytes().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let (month, day): (u32, u32) = (s[5..7].parse().unwrap_or(0), s[8..10].parse().unwrap_or(0));
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// `YYYY-MM-DD` of the day before `now_ms` (UTC).
pub fn day_before(now_ms: f64) -> String {
    format_rfc3339_ms(now_ms - 86_400_000.0)[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::teamup::Event;

    fn event_at(id: u64, starts_at: &str) -> Event {
        Event {
            id,
            name: format!("class {id}"),
            starts_at: starts_at.to_string(),
            ends_at: None,
            status: None,
            max_occupancy: None,
            attending_count: None,
            venue: None,
            offering_type: None,
            starts_at_ms: None,
        }
    }

    #[test]
    fn a_fixed_offset_puts_a_class_on_its_local_day() {
        let ms = |iso: &str| parse_rfc3339_ms(iso).unwrap();
        let london_summer = DayKeys::for_span(Some(3_600_000.0), Some(3_600_000.0));
        assert_eq!(london_summer, DayKeys::FixedOffset(3_600_000.0));
        // 23:30 UTC is 00:30 the next day in London's summer: the same day as 00:30 UTC.
        assert_eq!(london_summer.key(ms("2026-07-01T23:30:00Z")), london_summer.key(ms("2026-07-02T00:30:00Z")));
        assert_ne!(london_summer.key(ms("2026-07-01T22:30:00Z")), london_summer.key(ms("2026-07-01T23:30:00Z")));
        let new_york = DayKeys::FixedOffset(-18_000_000.0);
        assert_eq!(new_york.key(ms("2026-01-02T04:59:00Z")), new_york.key(ms("2026-01-01T05:00:00Z")));
        assert_ne!(new_york.key(ms("2026-01-02T04:59:00Z")), new_york.key(ms("2026-01-02T05:00:00Z")));
        // A clock change inside the schedule, or an unknown offset: quarter hours.
        assert_eq!(DayKeys::for_span(Some(0.0), Some(3_600_000.0)), DayKeys::Quarters);
        assert_eq!(DayKeys::for_span(None, Some(0.0)), DayKeys::Quarters);
        assert_ne!(DayKeys::Quarters.key(ms("2026-07-01T10:00:00Z")), DayKeys::Quarters.key(ms("2026-07-01T10:15:00Z")));
    }

    #[test]
    fn classes_group_by_day_in_schedule_order() {
        let events = vec![
            event_at(1, "2026-11-24T07:00:00Z"),
            event_at(2, "2026-11-24T18:00:00Z"),
            event_at(3, "2026-11-25T07:00:00Z"),
            event_at(4, "2026-11-24T20:00:00Z"), // out of order: joins the 24th
            event_at(5, "2026-11-27T09:00:00Z"),
        ];
        let days = by_day(events, |e| e.starts_at[..10].to_string());
        let shape: Vec<(&str, Vec<u64>)> = days.iter().map(|(d, l)| (d.as_str(), l.iter().map(|e| e.id).collect())).collect();
        assert_eq!(shape, vec![("2026-11-24", vec![1, 2, 4]), ("2026-11-25", vec![3]), ("2026-11-27", vec![5])]);
        assert!(by_day(Vec::<Event>::new(), |e| e.starts_at.clone()).is_empty());
    }

    #[test]
    fn parses_documented_timestamp() {
        // 2024-07-29T15:51:28.071Z, checked against `date -u -d ... +%s%3N`.
        assert_eq!(parse_rfc3339_ms("2024-07-29T15:51:28.071Z"), Some(1_722_268_288_071.0));
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0.0));
    }

    #[test]
    fn fractions_of_any_length_are_whole_milliseconds() {
        let at = |fraction: &str| parse_rfc3339_ms(&format!("1970-01-01T00:00:01.{fraction}Z"));
        assert_eq!(at("5"), Some(1500.0));
        assert_eq!(at("07"), Some(1070.0));
        assert_eq!(at("071"), Some(1071.0));
        assert_eq!(at("071999"), Some(1071.0));
        assert_eq!(at("999999999999999999999"), Some(1999.0));
        // Each three-digit fraction as the float parse before it read them.
        for ms in 0..1000 {
            let fraction = format!("{ms:03}");
            let float: f64 = format!(".{fraction}").parse().unwrap();
            assert_eq!(at(&fraction), Some(1000.0 + (float * 1000.0).floor()), "{fraction}");
        }
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        assert_eq!(
            parse_rfc3339_ms("2024-07-29T16:51:28.071+01:00"),
            parse_rfc3339_ms("2024-07-29T15:51:28.071Z")
        );
        assert_eq!(parse_rfc3339_ms("2024-07-29T10:51:28-05:00"), Some(1_722_268_288_000.0));
        for bad in ["", "2024-07-29", "2024-13-01T00:00:00Z", "2024-07-29T15:51:28", "2024-07-29T15:51:28.Z",
            "2024-07-29T15:51:28Zjunk", "yyyy-07-29T15:51:28Z", "2024-07-29T25:00:00Z", "２０２４-07-29T15:51:28Z"]
        {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for ms in [0.0, 1_722_268_288_071.0, 951_782_400_000.0 /* 2000-02-29 */, 4_102_444_799_999.0] {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
        }
        assert_eq!(format_rfc3339_ms(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn countdown_is_mm_ss_and_never_negative() {
        assert_eq!(format_countdown(15.0 * 60_000.0), "15:00");
        assert_eq!(format_countdown(61_001.0), "01:02");
        assert_eq!(format_countdown(999.0), "00:01");
        assert_eq!(format_countdown(0.0), "00:00");
        assert_eq!(format_countdown(-5000.0), "00:00");
        assert_eq!(format_countdown(75.0 * 60_000.0), "75:00");
    }

    #[test]
    fn the_studio_zone_is_named_when_it_differs_and_a_missing_or_unknown_one_falls_back() {
        let known = |z: &str| z != "Mars/Olympus";
        let choose = |studio, customer| choose_zone(studio, customer, known);
        assert_eq!(choose(Some("America/New_York"), Some("Europe/Berlin")), ZoneChoice::Studio("America/New_York".into()));
        assert_eq!(choose(Some(" America/New_York "), Some("Europe/Berlin")).zone(), Some("America/New_York"));
        assert_eq!(choose(Some("Europe/London"), Some("Europe/London")), ZoneChoice::Same);
        assert_eq!(choose(Some("Europe/London"), None), ZoneChoice::Studio("Europe/London".into()));
        assert_eq!(choose(None, Some("Europe/London")), ZoneChoice::Fallback, "the studio didn't say");
        assert_eq!(choose(Some(""), None), ZoneChoice::Fallback);
        assert_eq!(choose(Some("Mars/Olympus"), Some("Europe/Berlin")), ZoneChoice::Fallback, "a zone the browser doesn't know");
        assert_eq!(ZoneChoice::Fallback.zone(), None);
        assert_eq!(ZoneChoice::Same.zone(), None);
        // The docs' own example names the zone "string": natively (as in a browser) not a zone.
        use crate::i18n::intl::zone_known;
        assert!(!zone_known("string") && zone_known("America/New_York") && zone_known("UTC"));
    }
}
