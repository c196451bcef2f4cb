//! Harness for the browser suite: chromedriver + Chromium sessions (`browser`), a sandbox serving the
//! release build with generated host pages (`studio`), and page objects (`pages`).
#![allow(dead_code)]

pub mod axe;
pub mod browser;
pub mod cdn;
pub mod pages;
pub mod studio;
