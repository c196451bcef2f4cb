//! The one template of the two hosted payment pages: TeamUp's (`/pay/<token>`, pay_page.rs) and
//! Uelz's checkout (`/checkout/<id>`, uelz/checkout.rs). Each page gathers its data and its
//! [`Wording`]; the markup, the `data-testid`s the e2e page objects use, the countdown and the
//! escaping are here. Every text handed to these functions is raw: it is escaped here.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use time::OffsetDateTime;

use crate::html::{esc, page};
use crate::times::{clock_local, format_utc, Zone};

/// The words that tell the two pages apart.
pub(crate) struct Wording {
    /// What lapses: "offer" or "checkout".
    pub thing: &'static str,
    /// "held" or "open": "Offer held until 10:15".
    pub held: &'static str,
    /// The note under the heading.
    pub note: &'static str,
    /// Said after "Go back and start again".
    pub again: &'static str,
    /// Before the purchase id: "Purchase #" or "Purchase ".
    pub purchase: &'static str,
    /// What a bad address is: "payment link" or "checkout link".
    pub link: &'static str,
}

/// One line of the summary (`<dl data-testid="summary">`).
pub(crate) struct Row {
    label: String,
    value: String,
    testid: Option<&'static str>,
    detail: Option<String>,
    total: bool,
}

impl Row {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Row {
        Row { label: label.into(), value: value.into(), testid: None, detail: None, total: false }
    }

    /// The value's `data-testid`.
    pub fn id(mut self, testid: &'static str) -> Row {
        self.testid = Some(testid);
        self
    }

    /// A smaller second line under the value.
    pub fn detail(mut self, detail: impl Into<String>) -> Row {
        self.detail = Some(detail.into());
        self
    }

    /// The amount due, set in bold at the end.
    pub fn total(label: impl Into<String>, value: impl Into<String>) -> Row {
        Row { total: true, ..Row::new(label, value).id("total") }
    }

    fn render(&self) -> String {
        format!(
            "<div{class}><dt>{label}</dt><dd{testid}>{value}{detail}</dd></div>\n",
            class = if self.total { " class=\"total\"" } else { "" },
            label = esc(&self.label),
            testid = self.testid.map(|t| format!(" data-testid=\"{t}\"")).unwrap_or_default(),
            value = esc(&self.value),
            detail = self.detail.as_deref().map(|d| format!("<small>{}</small>", esc(d))).unwrap_or_default(),
        )
    }
}

/// An unpaid purchase, as the offer page shows it.
pub(crate) struct Offer<'a> {
    pub studio: &'a str,
    pub rows: Vec<Row>,
    pub expires_at: OffsetDateTime,
    /// The zone the closing time is shown in.
    pub zone: Zone,
    /// Where the customer goes back to (`return_to`, `return_url`).
    pub back: &'a str,
    /// Where the form posts.
    pub action: &'a str,
    /// The amount on the pay button.
    pub total: &'a str,
    pub customer: &'a str,
    pub id: &'a str,
}

/// A server-rendered page that is never cached: a payment page must not come back from a cache
/// after it has been paid or has lapsed.
pub(crate) fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let mut resp = (status, Html(page(title, body))).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn title(studio: &str) -> String {
    format!("Payment — {}", esc(studio))
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The offer: summary, countdown, pay and cancel buttons.
pub(crate) fn offer_page(w: &Wording, o: &Offer, status: StatusCode) -> Response {
    let rows: String = o.rows.iter().map(Row::render).collect();
    let body = format!(
        r#"<p class="studio">{studio}</p>
<h1>Complete your purchase</h1>
<p class="note">{note}</p>
<dl data-testid="summary">
{rows}</dl>
<p class="hold" data-testid="held-until">{Thing} {held} until <time datetime="{expires_iso}">{expires_clock}</time>
(<strong data-countdown data-expires="{expires_iso}">--:--</strong> left).</p>
<p class="lapsed-note" data-testid="lapsed-live" hidden>This {thing} has now lapsed. <a href="{back}">Back to {studio}</a></p>
<form method="post" action="{action}">
<button type="submit" class="pay" data-testid="pay" name="action" value="pay">Pay {total}</button>
<button type="submit" class="cancel" data-testid="cancel" name="action" value="cancel">Cancel</button>
</form>
<p class="who">Buying as {customer}. {purchase}{id}.</p>
{countdown}"#,
        studio = esc(o.studio),
        note = esc(w.note),
        Thing = capitalised(w.thing),
        thing = w.thing,
        held = w.held,
        expires_iso = esc(&format_utc(o.expires_at)),
        expires_clock = esc(&clock_local(o.zone, o.expires_at)),
        back = esc(o.back),
        action = esc(o.action),
        total = esc(o.total),
        customer = esc(o.customer),
        purchase = w.purchase,
        id = esc(o.id),
        countdown = COUNTDOWN_SCRIPT,
    );
    html(status, &title(o.studio), &body)
}

/// Counts `[data-countdown][data-expires]` down to zero, then marks `[data-testid=held-until]`
/// lapsed, shows `[data-testid=lapsed-live]` and disables the form's buttons.
const COUNTDOWN_SCRIPT: &str = r#"<script>
(function () {
  var el = document.querySelector('[data-countdown]');
  var end = Date.parse(el.getAttribute('data-expires'));
  var timer;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
    if (left === 0) {
      clearInterval(timer);
      document.querySelector('[data-testid=held-until]').classList.add('lapsed');
      document.querySelector('[data-testid=lapsed-live]').hidden = false;
      document.querySelectorAll('form button').forEach(function (b) { b.disabled = true; });
    }
  }
  timer = setInterval(tick, 1000);
  tick();
})();
</script>"#;

/// 410: the purchase was not paid in time.
pub(crate) fn lapsed_page(w: &Wording, studio: &str, until: &str, back: &str) -> Response {
    let body = format!(
        "<p class=\"studio\">{studio}</p>\n<h1>{Thing} lapsed</h1>\n\
         <p class=\"message warn\" data-testid=\"lapsed\">This {thing} has lapsed: it was {held} until {until}. \
         Nothing was charged. Go back and start again{again}.</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {studio}</a></p>",
        studio = esc(studio),
        Thing = capitalised(w.thing),
        thing = w.thing,
        held = w.held,
        until = esc(until),
        again = w.again,
        back = esc(back),
    );
    html(StatusCode::GONE, &title(studio), &body)
}

/// The purchase is paid (`outcome` "paid") or cancelled; `status` is the vendor's own status
/// word, where it has one (`data-status`).
pub(crate) fn done_page(studio: &str, outcome: &str, status: Option<&str>, item: &str, back: &str) -> Response {
    let (heading, text) = if outcome == "paid" {
        ("Payment received", format!("Thank you: your {item} is confirmed."))
    } else {
        ("Purchase cancelled", "You cancelled this purchase. Nothing was charged.".to_string())
    };
    let body = format!(
        "<p class=\"studio\">{studio}</p>\n<h1>{heading}</h1>\n\
         <p class=\"message\" data-testid=\"done\" data-outcome=\"{outcome}\"{status}>{text}</p>\n\
         <p><a data-testid=\"return-link\" href=\"{back}\">Back to {studio}</a></p>",
        studio = esc(studio),
        outcome = esc(outcome),
        status = status.map(|s| format!(" data-status=\"{}\"", esc(s))).unwrap_or_default(),
        text = esc(&text),
        back = esc(back),
    );
    html(StatusCode::OK, &title(studio), &body)
}

/// 404: no purchase behind this address.
pub(crate) fn not_found_page(w: &Wording) -> Response {
    let heading = format!("{} not found", capitalised(w.link));
    html(
        StatusCode::NOT_FOUND,
        &heading,
        &format!(
            "<h1>{heading}</h1>\n<p class=\"message\">This {link} isn't valid. Go back to the studio's page and start again.</p>",
            link = w.link
        ),
    )
}

/// 303 to `url`, exactly as given: Location headers carry only visible ASCII, so non-ASCII
/// characters are percent-encoded.
pub(crate) fn see_other(url: &str) -> Response {
    let mut ascii = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                ascii.push_str(&format!("%{b:02X}"));
            }
        }
    }
    match HeaderValue::from_str(&ascii) {
        Ok(loc) => (StatusCode::SEE_OTHER, [(header::LOCATION, loc)]).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "return_to cannot be used as a redirect").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_escape_their_texts_and_mark_the_total() {
        let row = Row::new("Plan <b>", "£1 & up").id("plan").detail("\"monthly\"").render();
        assert_eq!(
            row,
            "<div><dt>Plan &lt;b&gt;</dt><dd data-testid=\"plan\">£1 &amp; up<small>&quot;monthly&quot;</small></dd></div>\n"
        );
        assert_eq!(
            Row::total("Amount due", "€5.00").render(),
            "<div class=\"total\"><dt>Amount due</dt><dd data-testid=\"total\">€5.00</dd></div>\n"
        );
        assert_eq!(Row::new("Price", "1").render(), "<div><dt>Price</dt><dd>1</dd></div>\n");
    }

    #[test]
    fn words_are_capitalised_for_headings() {
        assert_eq!(capitalised("offer"), "Offer");
        assert_eq!(capitalised("checkout link"), "Checkout link");
        assert_eq!(capitalised(""), "");
    }
}
