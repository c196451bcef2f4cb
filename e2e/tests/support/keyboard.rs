//! The keyboard, as a visitor uses it: key presses through WebDriver actions, and what has focus
//! (looking through the widget's shadow root).

use anyhow::{bail, Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Client;
use serde_json::Value;

/// Presses (down and up) one key through WebDriver actions.
pub async fn press(c: &Client, key: Key) -> Result<()> {
    let key: char = key.into();
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    c.perform_actions(actions).await.context("pressing a key")?;
    Ok(())
}

/// Shift+Tab.
pub async fn press_shift_tab(c: &Client) -> Result<()> {
    let (shift, tab): (char, char) = (Key::Shift.into(), Key::Tab.into());
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: shift })
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab })
        .then(KeyAction::Up { value: shift });
    c.perform_actions(actions).await.context("pressing Shift+Tab")?;
    Ok(())
}

/// What has focus, looking through shadow roots: `{tag, type, name, value, testid, checked,
/// inWidget}` (`null` when only the body has it).
pub async fn focused(c: &Client) -> Result<Value> {
    Ok(c
        .execute(
            "let a = document.activeElement, inWidget = false;\n\
             while (a && a.shadowRoot && a.shadowRoot.activeElement) { a = a.shadowRoot.activeElement; inWidget = true; }\n\
             if (!a || a === document.body) return null;\n\
             return { tag: a.tagName.toLowerCase(), type: a.getAttribute('type'), name: a.getAttribute('name'),\n\
                      value: a.value === undefined ? null : String(a.value), testid: a.getAttribute('data-testid'),\n\
                      checked: !!a.checked, inWidget, text: (a.innerText || '').trim().slice(0, 60) };",
            vec![],
        )
        .await?)
}

/// Presses Tab (or Shift+Tab) until `want` says the focused element is the one, at most `max` times.
pub async fn tab_until(c: &Client, what: &str, max: usize, backwards: bool, want: impl Fn(&Value) -> bool) -> Result<Value> {
    let mut seen = Vec::new();
    for _ in 0..max {
        if backwards {
            press_shift_tab(c).await?;
        } else {
            press(c, Key::Tab).await?;
        }
        let now = focused(c).await?;
        if want(&now) {
            return Ok(now);
        }
        seen.push(now.to_string());
    }
    bail!("{what} not reached with {max} presses of {}; focus went: {}", if backwards { "Shift+Tab" } else { "Tab" }, seen.join(" → "))
}
