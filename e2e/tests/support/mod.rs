//! Harness for the browser suite: chromedriver + Chromium sessions and DevTools commands
//! (`browser`), key presses and focus (`keyboard`), a sandbox serving the release build with
//! generated host pages and its test hooks (`studio`), and page objects (`pages`).
#![allow(dead_code)]

pub mod axe;
pub mod browser;
pub mod cdn;
pub mod keyboard;
pub mod pages;
pub mod studio;
