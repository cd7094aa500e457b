//! Dates, weekdays and durations the way each language writes them: `Wed 2 Dec 14:30`,
//! `12月2日 周三 14:30`, `dec. 2., szerda 14:30`; `in 1 min`, `1小时5分钟`, `2 óra`.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike};

use super::keys::Key;
use super::lang::Lang;
use crate::tr;

const EN_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const ZH_DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const HU_DAYS: [&str; 7] = [
    "hétfő",
    "kedd",
    "szerda",
    "csütörtök",
    "péntek",
    "szombat",
    "vasárnap",
];
// The Hungarian Academy's abbreviations (CLDR `hu` format-abbreviated months).
const HU_MONTHS: [&str; 12] = [
    "jan.", "febr.", "márc.", "ápr.", "máj.", "jún.", "júl.", "aug.", "szept.", "okt.", "nov.",
    "dec.",
];

/// A moment as a reader of `lang` writes it, with weekday, to the minute. A time between
/// minutes is shown as the next minute, so a deadline never reads as a minute already gone.
pub fn format_datetime<Tz: TimeZone>(lang: Lang, t: &DateTime<Tz>) -> String {
    let t = ceil_minute(t);
    let wd = t.weekday().num_days_from_monday() as usize;
    let (day, month) = (t.day(), t.month0() as usize);
    let hm = format!("{:02}:{:02}", t.hour(), t.minute());
    match lang {
        Lang::En => format!("{} {day} {} {hm}", EN_DAYS[wd], EN_MONTHS[month]),
        Lang::Zh => format!("{}月{day}日 {} {hm}", month + 1, ZH_DAYS[wd]),
        Lang::Hu => format!("{} {day}., {} {hm}", HU_MONTHS[month], HU_DAYS[wd]),
    }
}

/// A calendar day as a reader of `lang` writes it, with weekday and year: `Mon 23 Nov 2026`,
/// `2026年11月23日 周一`, `2026. nov. 23., hétfő`.
pub fn format_date(lang: Lang, d: chrono::NaiveDate) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    let (year, day, month) = (d.year(), d.day(), d.month0() as usize);
    match lang {
        Lang::En => format!("{} {day} {} {year}", EN_DAYS[wd], EN_MONTHS[month]),
        Lang::Zh => format!("{year}年{}月{day}日 {}", month + 1, ZH_DAYS[wd]),
        Lang::Hu => format!("{year}. {} {day}., {}", HU_MONTHS[month], HU_DAYS[wd]),
    }
}

fn ceil_minute<Tz: TimeZone>(t: &DateTime<Tz>) -> DateTime<Tz> {
    let extra = i64::from(t.second()) * 1_000_000_000 + i64::from(t.nanosecond() % 1_000_000_000);
    if extra == 0 {
        t.clone()
    } else {
        t.clone() + Duration::nanoseconds(60_000_000_000 - extra)
    }
}

/// A short wall-clock duration for deadlines: `1 min`, `2 h 5 min`, `3 d 4 h`. Time still to
/// go is rounded up (60 s before a due reads "1 min", never "0 min"); time gone, down.
pub fn format_duration_short(lang: Lang, d: Duration, round_up: bool) -> String {
    let secs = d.num_seconds().abs();
    let mins = if round_up {
        (secs + 59) / 60
    } else {
        secs / 60
    };
    let (days, hours, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(tr!(lang, Key::DurDaysShort, n = days));
    }
    if hours > 0 {
        parts.push(tr!(lang, Key::DurHoursShort, n = hours));
    }
    // Days and minutes together are more precision than anyone reads.
    if (m > 0 && days == 0) || parts.is_empty() {
        parts.push(tr!(lang, Key::DurMinutesShort, n = m));
    }
    join(lang, parts)
}

/// A configured span in words: `8 hours`, `90 minutes`, `1 hour 30 minutes`, `2 days`.
pub fn format_span(lang: Lang, d: Duration) -> String {
    let m = d.num_minutes();
    if m % 1440 == 0 && m >= 2880 {
        tr!(lang, Key::DurDays, n = m / 1440)
    } else if m % 60 == 0 {
        tr!(lang, Key::DurHours, n = m / 60)
    } else if m < 120 {
        tr!(lang, Key::DurMinutes, n = m)
    } else {
        join(
            lang,
            vec![
                tr!(lang, Key::DurHours, n = m / 60),
                tr!(lang, Key::DurMinutes, n = m % 60),
            ],
        )
    }
}

fn join(lang: Lang, parts: Vec<String>) -> String {
    // Chinese writes units without spaces: 1小时5分钟.
    parts.join(if lang == Lang::Zh { "" } else { " " })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_follow_the_locale() {
        let t = at("2026-12-02T14:30:00Z");
        assert_eq!(format_datetime(Lang::En, &t), "Wed 2 Dec 14:30");
        assert_eq!(format_datetime(Lang::Zh, &t), "12月2日 周三 14:30");
        assert_eq!(format_datetime(Lang::Hu, &t), "dec. 2., szerda 14:30");
        let t = at("2026-03-01T09:05:00Z");
        assert_eq!(format_datetime(Lang::Hu, &t), "márc. 1., vasárnap 09:05");
    }

    #[test]
    fn a_due_between_minutes_shows_the_next_minute() {
        let t = at("2026-12-02T22:54:42Z");
        assert_eq!(format_datetime(Lang::En, &t), "Wed 2 Dec 22:55");
        let t = at("2026-12-31T23:59:30Z");
        assert_eq!(format_datetime(Lang::En, &t), "Fri 1 Jan 00:00");
    }

    #[test]
    fn time_to_go_rounds_up_and_time_gone_rounds_down() {
        assert_eq!(
            format_duration_short(Lang::En, Duration::seconds(60), true),
            "1 min"
        );
        assert_eq!(
            format_duration_short(Lang::En, Duration::seconds(1), true),
            "1 min"
        );
        assert_eq!(
            format_duration_short(Lang::En, Duration::seconds(59), false),
            "0 min"
        );
        assert_eq!(
            format_duration_short(Lang::En, Duration::minutes(125), true),
            "2 h 5 min"
        );
        assert_eq!(
            format_duration_short(Lang::Zh, Duration::minutes(125), true),
            "2小时5分钟"
        );
        assert_eq!(
            format_duration_short(Lang::Hu, Duration::minutes(125), true),
            "2 óra 5 perc"
        );
        assert_eq!(
            format_duration_short(Lang::En, Duration::minutes(1441), true),
            "1 d"
        );
        assert_eq!(
            format_duration_short(Lang::En, Duration::minutes(1500), true),
            "1 d 1 h"
        );
    }

    #[test]
    fn spans_use_the_plural_rules_of_the_locale() {
        assert_eq!(format_span(Lang::En, Duration::hours(1)), "1 hour");
        assert_eq!(format_span(Lang::En, Duration::hours(8)), "8 hours");
        assert_eq!(format_span(Lang::En, Duration::minutes(90)), "90 minutes");
        assert_eq!(
            format_span(Lang::En, Duration::minutes(150)),
            "2 hours 30 minutes"
        );
        assert_eq!(format_span(Lang::En, Duration::days(2)), "2 days");
        assert_eq!(format_span(Lang::Zh, Duration::hours(8)), "8小时");
        assert_eq!(format_span(Lang::Hu, Duration::hours(8)), "8 óra");
        assert_eq!(format_span(Lang::Hu, Duration::days(3)), "3 nap");
    }
}
