//! Page objects: the checkout widget on a studio's page, and the sandbox's hosted payment page.
//! Every read waits (polls up to `E2E_WAIT_SECS`, default 10 s) instead of sleeping.

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use super::browser::{element_from_js, wait_for};

/// The demo customer (contract §1): Alex Runner, profile 4242 at provider 100.
pub const DEMO_TOKEN: &str = "demo-customer-token";
pub const DEMO_PROVIDER: u64 = 100;
pub const DEMO_CUSTOMER: u64 = 4242;

/// A CSS selector for `[data-testid=NAME]`.
pub fn testid(name: &str) -> String {
    format!("[data-testid=\"{name}\"]")
}

/// The first element matching `css` that is displayed, if any.
async fn displayed(c: &Client, css: &str) -> Result<Option<Element>> {
    for el in c.find_all(Locator::Css(css)).await? {
        if el.is_displayed().await? {
            return Ok(Some(el));
        }
    }
    Ok(None)
}

/// Waits until an element matching `css` is displayed.
pub async fn wait_visible(c: &Client, css: &str) -> Result<Element> {
    wait_for(&format!("`{css}` to be visible"), || displayed(c, css)).await
}

/// Clicks like a person: on the element, or on its label when the control itself is visually hidden
/// (a common pattern for styled radio buttons).
async fn click(c: &Client, el: &Element) -> Result<()> {
    match el.click().await {
        Ok(()) => Ok(()),
        Err(err) => {
            let msg = err.to_string();
            if !(msg.contains("not interactable") || msg.contains("intercepted")) {
                return Err(err.into());
            }
            let label = c
                .execute(
                    "const el = arguments[0]; return (el.labels && el.labels[0]) || el.closest('label');",
                    vec![serde_json::to_value(el)?],
                )
                .await?;
            let label = element_from_js(c, &label)
                .ok_or_else(|| anyhow!("cannot click the control and it has no label: {msg}"))?;
            label.click().await.context("clicking the control's label")?;
            Ok(())
        }
    }
}

/// Runs `body` (an async JS function body that may `await` and `return`) in the page and returns its
/// JSON result. A thrown error becomes an Err.
pub async fn run_async_js(c: &Client, body: &str, args: Vec<Value>) -> Result<Value> {
    let script = format!(
        "const done = arguments[arguments.length - 1];\n\
         const args = Array.from(arguments).slice(0, -1);\n\
         (async (...args) => {{ {body} }})(...args).then(\n\
           value => done({{ ok: value === undefined ? null : value }}),\n\
           err => done({{ err: String(err && err.stack || err) }}));"
    );
    let out = c.execute_async(&script, args).await?;
    match out.get("err") {
        Some(err) => bail!("script failed in the page: {}", err.as_str().unwrap_or("?")),
        None => Ok(out.get("ok").cloned().unwrap_or(Value::Null)),
    }
}

/// Every resource this page has fetched so far, by Resource Timing (the URLs only; a new page
/// starts a new list).
pub async fn fetched_urls(c: &Client) -> Result<Vec<String>> {
    let urls = run_async_js(c, "return performance.getEntriesByType('resource').map(e => e.name);", vec![]).await?;
    Ok(serde_json::from_value(urls)?)
}

/// JS: `api(path, init)` fetches the same-origin sandbox API as the demo customer and returns
/// `{status, body}`.
const API_JS: &str = r#"
const api = async (path, init = {}) => {
  const headers = Object.assign({
    'Authorization': 'Bearer __TOKEN__',
    'TeamUp-Provider-ID': '__PROVIDER__',
    'Teamup-Request-Mode': 'customer',
  }, init.headers || {});
  const res = await fetch('/api/v2' + path, Object.assign({}, init, { headers }));
  return { status: res.status, body: await res.json() };
};
"#;

fn api_js() -> String {
    API_JS
        .replace("__TOKEN__", DEMO_TOKEN)
        .replace("__PROVIDER__", &DEMO_PROVIDER.to_string())
}

/// Host elements of either form (contract §2).
pub const HOSTS: &str = "membership-checkout, [data-membership-checkout]";

/// The widget on a studio page: root `[data-testid=checkout]` (contract §2), in the shadow root of
/// its host element.
#[derive(Clone)]
pub struct CheckoutPage {
    pub c: Client,
    /// CSS selector of the host element (the first match is the widget).
    host: String,
}

impl CheckoutPage {
    /// Navigates to `url` and waits for the widget's root element.
    pub async fn open(c: &Client, url: &str) -> Result<Self> {
        c.goto(url).await.with_context(|| format!("opening {url}"))?;
        let page = Self::on(c);
        page.wait_root().await?;
        Ok(page)
    }

    /// The page the browser is on now (after a redirect or Back).
    pub fn on(c: &Client) -> Self {
        CheckoutPage { c: c.clone(), host: HOSTS.to_string() }
    }

    /// The widget in the host element `host_css` (a page with several widgets).
    pub fn within(mut self, host_css: &str) -> Self {
        self.host = host_css.to_string();
        self
    }

    /// Elements matching `css` inside the widget (none while it has no shadow root yet).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let Some(host) = self.c.find_all(Locator::Css(&self.host)).await?.into_iter().next() else {
            return Ok(Vec::new());
        };
        match host.shadow_root().await {
            Ok(root) => Ok(root.find_all(Locator::Css(css)).await?),
            Err(e) if e.is_no_such_shadow_root() || e.is_detached_shadow_root() || e.is_stale_element_reference() => {
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The first displayed element matching `css` inside the widget, if any.
    async fn displayed(&self, css: &str) -> Result<Option<Element>> {
        for el in self.find_all(css).await? {
            if el.is_displayed().await? {
                return Ok(Some(el));
            }
        }
        Ok(None)
    }

    /// Waits until an element matching `css` is displayed inside the widget.
    pub async fn wait_visible(&self, css: &str) -> Result<Element> {
        wait_for(&format!("`{css}` to be visible in the widget"), || self.displayed(css)).await
    }

    /// Runs `body` (JS) with `root` bound to the widget's shadow root and `args` to the arguments.
    async fn execute_inside(&self, body: &str, args: Vec<Value>) -> Result<Value> {
        let script = format!(
            "const root = document.querySelector(arguments[0]).shadowRoot;\n\
             const args = Array.from(arguments).slice(1);\n{body}"
        );
        let mut all = vec![json!(self.host)];
        all.extend(args);
        Ok(self.c.execute(&script, all).await?)
    }

    pub async fn wait_root(&self) -> Result<Element> {
        let css = testid("checkout");
        wait_for("the widget's root [data-testid=checkout]", || async {
            let path = self.c.current_url().await?.path().to_string();
            if path.starts_with("/pay/") || path.starts_with("/checkout/") {
                return Ok(None);
            }
            Ok(self.find_all(&css).await?.into_iter().next())
        })
        .await
    }

    /// The root's `data-state`, if the root is there.
    pub async fn state(&self) -> Result<Option<String>> {
        match self.find_all(&testid("checkout")).await?.first() {
            Some(root) => Ok(root.attr("data-state").await?),
            None => Ok(None),
        }
    }

    /// Waits until `data-state` is `want`.
    pub async fn wait_state(&self, want: &str) -> Result<()> {
        let seen = std::sync::Mutex::new(String::from("unknown"));
        let seen_ref = &seen;
        wait_for(&format!("data-state=\"{want}\""), || async move {
            let state = self.state().await?;
            *seen_ref.lock().unwrap() = format!("{state:?}");
            Ok((state.as_deref() == Some(want)).then_some(()))
        })
        .await
        .with_context(|| format!("the widget's data-state was {}", seen.lock().unwrap()))
    }

    /// Waits until the widget shows `[data-testid=NAME]` and returns it.
    pub async fn visible(&self, name: &str) -> Result<Element> {
        self.wait_visible(&format!("{} {}", testid("checkout"), testid(name))).await
    }

    /// The visible text of `[data-testid=NAME]` (waits for it).
    pub async fn text_of(&self, name: &str) -> Result<String> {
        Ok(self.visible(name).await?.text().await?)
    }

    /// Whether `[data-testid=NAME]` is displayed right now (no waiting).
    pub async fn shows_now(&self, name: &str) -> Result<bool> {
        Ok(self.displayed(&format!("{} {}", testid("checkout"), testid(name)))
            .await?
            .is_some())
    }

    /// `input_css` selects the group's radio inputs; `value` picks one.
    async fn radio(&self, input_css: &str, value: &str) -> Result<Element> {
        let css = format!("{input_css}[value=\"{value}\"]");
        wait_for(&format!("radio `{css}`"), || async {
            Ok(self.find_all(&css).await?.into_iter().next())
        })
        .await
    }

    async fn choose_radio(&self, input_css: &str, value: &str) -> Result<()> {
        let radio = self.radio(input_css, value).await?;
        click(&self.c, &radio).await?;
        wait_for(&format!("`{input_css}[value=\"{value}\"]` to be checked"), || async {
            Ok(self
                .radio(input_css, value)
                .await?
                .prop("checked")
                .await?
                .filter(|v| v == "true"))
        })
        .await?;
        Ok(())
    }

    /// Picks a membership (`input[type=radio][name=membership][value=ID]`).
    pub async fn choose_membership(&self, id: u64) -> Result<()> {
        self.wait_state("browsing").await?;
        let inputs = format!("{} input[type=radio][name=membership]", testid("memberships"));
        self.choose_radio(&inputs, &id.to_string())
            .await
        .with_context(|| format!("choosing membership {id}"))
    }

    /// Picks a payment plan (`input[type=radio][name^=plan][value=ID]` in `[data-testid=plans]`).
    pub async fn choose_plan(&self, id: u64) -> Result<()> {
        let inputs = format!("{} input[type=radio][name^=plan]", testid("plans"));
        self.choose_radio(&inputs, &id.to_string())
            .await
            .with_context(|| format!("choosing payment plan {id}"))
    }

    /// Options of a `<select>` by test id: `(value, label, disabled)`, without the empty "none" option.
    pub async fn options(&self, select: &str) -> Result<Vec<(String, String, bool)>> {
        let out = self
            .execute_inside(
                "const s = root && root.querySelector(args[0]);\n\
                 if (!s) return null;\n\
                 return Array.from(s.options).filter(o => o.value !== '').map(o => [o.value,\n\
                   ((o.parentElement.tagName === 'OPTGROUP' ? o.parentElement.label + ': ' : '') + o.text).trim(),\n\
                   o.disabled]);",
                vec![json!(testid(select))],
            )
            .await?;
        let Some(items) = out.as_array() else {
            bail!("no {} on the page", testid(select));
        };
        Ok(items
            .iter()
            .map(|o| {
                (
                    o[0].as_str().unwrap_or_default().to_string(),
                    o[1].as_str().unwrap_or_default().to_string(),
                    o[2].as_bool().unwrap_or(false),
                )
            })
            .collect())
    }

    /// Waits until `select` has options (besides the empty one) and returns them.
    pub async fn wait_options(&self, select: &str) -> Result<Vec<(String, String, bool)>> {
        wait_for(&format!("options in {}", testid(select)), || async {
            let options = self.options(select).await?;
            Ok((!options.is_empty()).then_some(options))
        })
        .await
    }

    pub async fn select(&self, select: &str, value: &str) -> Result<()> {
        let el = self.wait_visible(&format!("select{}", testid(select))).await?;
        el.select_by_value(value)
            .await
            .with_context(|| format!("selecting {value} in {}", testid(select)))?;
        Ok(())
    }

    /// Picks, in `event-select`, the first enabled event that the sandbox says `membership` permits
    /// (`GET /memberships?permits_registration_for_event=ID`). Returns the event id.
    pub async fn choose_event_for(&self, membership: u64) -> Result<u64> {
        let options = self.wait_options("event-select").await?;
        let values: Vec<&str> = options
            .iter()
            .filter(|(_, _, disabled)| !disabled)
            .map(|(v, _, _)| v.as_str())
            .collect();
        let body = format!(
            "{}\nconst [values, membership] = args;\n\
             for (const v of values) {{\n\
               const r = await api('/memberships?page_size=100&permits_registration_for_event=' + encodeURIComponent(v));\n\
               if (r.status === 200 && r.body.results.some(m => m.id === membership)) return v;\n\
             }}\n\
             return null;",
            api_js()
        );
        let found = run_async_js(&self.c, &body, vec![json!(values), json!(membership)]).await?;
        let value = found.as_str().ok_or_else(|| {
            anyhow!("no event in event-select is bookable with membership {membership}: {options:?}")
        })?;
        self.select("event-select", value).await?;
        value
            .parse()
            .with_context(|| format!("event option value {value:?} is not an event id"))
    }

    /// Picks, in `slot-select`, a slot whose offering type's name contains `offering_type` (per the
    /// sandbox's `GET /slots`). Returns the slot id.
    pub async fn choose_slot_of_type(&self, offering_type: &str) -> Result<String> {
        let options = self.wait_options("slot-select").await?;
        let body = format!(
            "{}\nconst [wanted] = args;\n\
             const ids = [];\n\
             let path = '/slots?page_size=100';\n\
             for (let page = 0; path && page < 20; page++) {{\n\
               const r = await api(path);\n\
               if (r.status !== 200) throw new Error('GET /slots: ' + r.status + ' ' + JSON.stringify(r.body));\n\
               for (const s of r.body.results)\n\
                 if ((s.offering_type && s.offering_type.name || '').toLowerCase().includes(wanted.toLowerCase())) ids.push(String(s.id));\n\
               path = r.body.next ? r.body.next.replace(/^.*\\/api\\/v2/, '') : null;\n\
             }}\n\
             return ids;",
            api_js()
        );
        let ids = run_async_js(&self.c, &body, vec![json!(offering_type)]).await?;
        let ids: Vec<String> = serde_json::from_value(ids)?;
        let (value, _, _) = options
            .iter()
            .find(|(v, _, disabled)| !disabled && ids.contains(v))
            .ok_or_else(|| {
                anyhow!("slot-select offers no {offering_type} slot: options {options:?}, such slots {ids:?}")
            })?;
        self.select("slot-select", value).await?;
        Ok(value.clone())
    }

    /// Uelz mode: picks a plan (`input[type=radio][name=uelz-plan][value=ID]`).
    pub async fn choose_uelz_plan(&self, id: &str) -> Result<()> {
        self.wait_state("browsing").await?;
        let inputs = format!("{} input[type=radio][name=uelz-plan]", testid("plans"));
        self.choose_radio(&inputs, id)
            .await
            .with_context(|| format!("choosing Uelz plan {id}"))
    }

    /// Types into `[data-testid=NAME]` like a person (after clearing it).
    pub async fn type_into(&self, name: &str, text: &str) -> Result<()> {
        let input = self.visible(name).await?;
        input.clear().await.with_context(|| format!("clearing {name}"))?;
        input.send_keys(text).await.with_context(|| format!("typing into {name}"))?;
        Ok(())
    }

    /// Sets a date input the way its picker does (value + `change`): WebDriver typing into date
    /// inputs depends on the browser's locale.
    pub async fn set_date(&self, name: &str, yyyy_mm_dd: &str) -> Result<()> {
        let css = format!("{} {}", testid("checkout"), testid(name));
        self.wait_visible(&css).await?;
        self
            .execute_inside(
                "const el = root.querySelector(args[0]); el.value = args[1];\n\
                 el.dispatchEvent(new Event('input', { bubbles: true }));\n\
                 el.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![json!(css), json!(yyyy_mm_dd)],
            )
            .await?;
        Ok(())
    }

    /// Clicks `[data-testid=NAME]` inside the widget.
    pub async fn click(&self, name: &str) -> Result<()> {
        let el = self.visible(name).await?;
        el.click().await.with_context(|| format!("clicking {name}"))?;
        Ok(())
    }

    /// Clicks `button[data-testid=continue]`.
    pub async fn press_continue(&self) -> Result<()> {
        let button = self.wait_visible(&format!("button{}", testid("continue"))).await?;
        button.click().await.context("clicking continue")?;
        Ok(())
    }

    /// Clicks the continue button `times` times in one go, as fast as the page can take events.
    pub async fn press_continue_rapidly(&self, times: u32) -> Result<()> {
        self.wait_visible(&format!("button{}", testid("continue"))).await?;
        self
            .execute_inside(
                "const b = root.querySelector(args[0]);\n\
                 for (let i = 0; i < args[1]; i++) b.click();",
                vec![json!(format!("button{}", testid("continue"))), json!(times)],
            )
            .await?;
        Ok(())
    }

    /// The text of the payment plan option whose radio has `value=ID` (its whole label).
    pub async fn plan_text(&self, id: u64) -> Result<String> {
        let css = format!("{} input[type=radio][name^=plan][value=\"{id}\"]", testid("plans"));
        let input = wait_for(&format!("plan {id}"), || async { Ok(self.find_all(&css).await?.into_iter().next()) }).await?;
        let text = self
            .c
            .execute("return arguments[0].closest('label').textContent;", vec![serde_json::to_value(&input)?])
            .await?;
        Ok(text.as_str().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Waits for `[data-testid=confirming][data-confirmation=WHICH]` (`checking`, `pending`,
    /// `not-found`, `unreachable`): what the widget says while it asks the API about a purchase
    /// the customer came back from. Returns its text.
    pub async fn wait_confirmation(&self, which: &str) -> Result<String> {
        self.wait_root().await?;
        let css = format!("{}[data-confirmation=\"{which}\"]", testid("confirming"));
        let el = self.wait_visible(&css).await?;
        Ok(el.text().await?)
    }

    /// Waits for `[data-testid=outcome][data-outcome=WHICH]` and returns its text.
    pub async fn wait_outcome(&self, which: &str) -> Result<String> {
        self.wait_root().await?;
        let css = format!("{}[data-outcome=\"{which}\"]", testid("outcome"));
        let el = self.wait_visible(&css).await?;
        Ok(el.text().await?)
    }

    /// POSTs an initiate_purchase request from the page, as the demo customer, and returns
    /// `{status, body}` (used to learn the sandbox's own error message for a request).
    pub async fn initiate_purchase_directly(&self, membership: u64, fields: Value) -> Result<Value> {
        let body = format!(
            "{}\nconst [membership, fields] = args;\n\
             return await api('/memberships/' + membership + '/initiate_purchase', {{\n\
               method: 'POST', headers: {{ 'Content-Type': 'application/json' }},\n\
               body: JSON.stringify(Object.assign({{ return_to: location.href }}, fields)) }});",
            api_js()
        );
        run_async_js(&self.c, &body, vec![json!(membership), fields]).await
    }
}

/// The sandbox's hosted payment page (`/pay/<token>`).
pub struct PaymentPage {
    pub c: Client,
}

impl PaymentPage {
    /// Waits until the browser is on a `/pay/…` page showing the pay button.
    pub async fn wait(c: &Client) -> Result<Self> {
        Self::wait_at(c, "/pay/").await
    }

    /// The sandbox's Uelz hosted checkout (`/checkout/<purchase id>`).
    pub async fn wait_uelz(c: &Client) -> Result<Self> {
        Self::wait_at(c, "/checkout/").await
    }

    async fn wait_at(c: &Client, prefix: &str) -> Result<Self> {
        let page = PaymentPage { c: c.clone() };
        wait_for(&format!("the payment page ({prefix}…)"), || async {
            Ok(c.current_url().await?.path().starts_with(prefix).then_some(()))
        })
        .await?;
        Ok(page)
    }

    pub async fn pay(&self) -> Result<()> {
        let button = wait_visible(&self.c, &format!("button{}", testid("pay"))).await?;
        button.click().await.context("clicking pay")?;
        Ok(())
    }

    pub async fn cancel(&self) -> Result<()> {
        let button = wait_visible(&self.c, &format!("button{}", testid("cancel"))).await?;
        button.click().await.context("clicking cancel")?;
        Ok(())
    }

    /// Reloads the page until it says the offer has lapsed; returns that text.
    pub async fn reload_until_lapsed(&self) -> Result<String> {
        let css = testid("lapsed");
        wait_for("the payment page to say the offer lapsed", || async {
            self.c.refresh().await?;
            match displayed(&self.c, &css).await? {
                Some(el) => Ok(Some(el.text().await?)),
                None => {
                    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
                    Ok(None)
                }
            }
        })
        .await
    }
}

/// On TeamUp's (the sandbox's) sign-in page.
pub async fn wait_sign_in_page(c: &Client) -> Result<()> {
    wait_for("TeamUp's sign-in page", || async {
        Ok(c.current_url().await?.path().ends_with("/auth/oauth/authorize").then_some(()))
    })
    .await
}

/// Signs in on the sandbox's sign-in page as the customer with this email.
pub async fn sign_in_as(c: &Client, email: &str) -> Result<()> {
    wait_sign_in_page(c).await?;
    let css = format!("button[data-testid=\"oauth-sign-in\"][data-user=\"{email}\"]");
    let button = wait_for(&format!("the sign-in button for {email}"), || async {
        Ok(c.find_all(Locator::Css(&css)).await?.into_iter().next())
    })
    .await?;
    button.click().await?;
    Ok(())
}
