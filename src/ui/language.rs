//! The widget in its customer's language: its first screen waits for that language's catalogue
//! (plain DOM, like the rest of the widget's entry, [`super::start`]).
//!
//! In the split embed build only English is in the main module; every other catalogue is a chunk
//! of its own (the split points below, [`load`]), which the loader starts downloading beside the
//! main module (embed/chunks.js `earlyChunks`), so it is usually here as soon as the widget starts. Until it
//! is, the widget shows its loading skeleton, the same box at the same height as the loader's and
//! the checkout's own, so nothing on the host page moves. In the unsplit build (trunk's preview,
//! the tests) every catalogue is compiled in and the widget paints at once, as it did before.
//!
//! A catalogue that fails to download (offline, a 404, a wrong hash, too slow) leaves the widget in
//! **English**, working, rather than showing a failure with Try again: the customer can still
//! read and buy (English is the catalogue every other falls back to, and the studio's own words,
//! its memberships and prices, are unaffected), a Try again would block the whole checkout for a
//! few kilobytes of text, and the parts that do need a download of their own still offer Try
//! again where they appear. The browser console says what happened; the customer is not alarmed.

use std::future::Future;
use std::rc::Rc;

use web_sys::Element;

use crate::i18n::{compiled, Lang, Tr};
use crate::split::ChunkError;

use super::dom::{self, add, el};
use super::start::{self, Inner};

/// `show(tr)` once the catalogue of `wanted`'s language is here (at once when it already is):
/// `tr` is `wanted`, or English if its catalogue could not be downloaded. The loading skeleton
/// meanwhile, in `widget`; nothing if the widget is removed before.
pub(crate) fn in_language(widget: &Rc<Inner>, wanted: Tr, show: impl FnOnce(Tr) + 'static) {
    in_language_from(widget, wanted, load, show)
}

// SPLIT POINTS `locale_de`, `locale_es`, `locale_fr`, `locale_ar`: each non-English catalogue's
// texts. Only these functions name them, so in the split build each one lands in its own chunk,
// and a widget downloads only its language's. English is the main module's, every other's
// fallback.
crate::split::lazy_fn!(locale_de; fn de_texts() -> &'static str { compiled::DE });
crate::split::lazy_fn!(locale_es; fn es_texts() -> &'static str { compiled::ES });
crate::split::lazy_fn!(locale_fr; fn fr_texts() -> &'static str { compiled::FR });
crate::split::lazy_fn!(locale_ar; fn ar_texts() -> &'static str { compiled::AR });

/// Makes `lang`'s catalogue available: at once if it is here (English; every language in the
/// unsplit build; one an earlier widget on the page downloaded), else by downloading its chunk. An
/// `Err` leaves the language absent (its texts fall back to English); the next call tries again.
pub(crate) async fn load(lang: Lang) -> Result<(), ChunkError> {
    if crate::i18n::is_here(lang) {
        return Ok(());
    }
    let texts = match lang {
        Lang::En => return Ok(()),
        Lang::De => de_texts().await?,
        Lang::Es => es_texts().await?,
        Lang::Fr => fr_texts().await?,
        Lang::Ar => ar_texts().await?,
    };
    #[cfg(feature = "split")]
    crate::i18n::arrived(lang, texts);
    #[cfg(not(feature = "split"))]
    let _ = texts;
    Ok(())
}

/// [`in_language`] with the catalogue's download given (the tests give a failing or a slow one).
fn in_language_from<F, Fut>(widget: &Rc<Inner>, wanted: Tr, load: F, show: impl FnOnce(Tr) + 'static)
where
    F: FnOnce(Lang) -> Fut,
    Fut: Future<Output = Result<(), ChunkError>> + 'static,
{
    let mut download = Box::pin(load(wanted.lang));
    if let Some(loaded) = start::ready_now(&mut download) {
        return show(settle(wanted, loaded));
    }
    widget.paint(&waiting(wanted));
    let widget = Rc::downgrade(widget);
    start::spawn(async move {
        let loaded = download.await;
        // The widget may be gone by now.
        if widget.upgrade().is_some_and(|w| !w.gone()) {
            show(settle(wanted, loaded));
        }
    });
}

/// The language the widget speaks once its catalogue's download is over: the one wanted, or
/// English if that catalogue could not be downloaded (see the module documentation).
pub(crate) fn speaks(wanted: Tr, loaded: Result<(), ChunkError>) -> Tr {
    match loaded {
        Ok(()) => wanted,
        Err(_) => Tr::english(),
    }
}

/// [`speaks`], and the browser console told when the catalogue could not be downloaded.
fn settle(wanted: Tr, loaded: Result<(), ChunkError>) -> Tr {
    if let Err(error) = loaded {
        web_sys::console::warn_1(
            &format!(
                "membership-checkout: the texts in {} could not be downloaded ({error}; the browser console says why, above), so the widget speaks English",
                wanted.locale
            )
            .into(),
        );
    }
    speaks(wanted, loaded)
}

/// The loading skeleton while the catalogue downloads: the checkout's own loading state (same
/// box, same height, `--mc-loading-height`), in the wanted direction. Its one text, said to
/// screen readers, can only be English until the catalogue is here, and is marked as such.
fn waiting(wanted: Tr) -> Element {
    let root = el("div", &[("class", "mc"), ("data-testid", "checkout"), ("data-state", "loading"), ("aria-busy", "true"), ("lang", "en"), ("dir", wanted.dir())]);
    add(&root, dom::loading(Tr::english(), "loading.memberships"));
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_that_came_is_spoken_and_one_that_failed_is_english() {
        let german = Tr { lang: Lang::De, locale: "de-AT" };
        assert_eq!(speaks(german, Ok(())), german);
        let arabic = Tr::of(Lang::Ar);
        assert_eq!(speaks(arabic, Err(ChunkError)), Tr::english());
        assert_eq!(speaks(arabic, Err(ChunkError)).dir(), "ltr");
    }
}

/// In a browser: the skeleton while the catalogue downloads, then the widget in its language, or
/// in English when the download failed.
#[cfg(all(test, target_arch = "wasm32"))]
mod web {
    use std::cell::Cell;
    use std::rc::Rc;

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn host() -> web_sys::HtmlElement {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        host
    }

    /// What the widget shows once its language is settled: the language's word for Continue.
    fn shown(widget: &Rc<Inner>) -> impl FnOnce(Tr) + 'static {
        let widget = widget.clone();
        move |tr| {
            let p = el("p", &[("data-testid", "shown"), ("lang", tr.locale), ("dir", tr.dir())]);
            dom::text(&p, tr.t("continue"));
            widget.paint(&p);
        }
    }

    async fn settled(host: &web_sys::HtmlElement) -> web_sys::Element {
        for _ in 0..50 {
            if let Some(found) = host.query_selector("[data-testid=shown]").unwrap() {
                return found;
            }
            crate::backend::http::sleep(10).await;
        }
        panic!("nothing shown: {}", host.inner_html());
    }

    #[wasm_bindgen_test]
    async fn the_skeleton_waits_for_the_catalogue_then_the_widget_speaks_it() {
        let host = host();
        let widget = Inner::new(host.clone());
        let arrived = Rc::new(Cell::new(false));
        let german = Tr { lang: Lang::De, locale: "de-DE" };
        let download = arrived.clone();
        in_language_from(
            &widget,
            german,
            move |_| async move {
                while !download.get() {
                    crate::backend::http::sleep(5).await;
                }
                Ok(())
            },
            shown(&widget),
        );
        let skeleton = host.query_selector("[data-state=loading]").unwrap().expect("the skeleton while the catalogue downloads");
        assert_eq!(skeleton.get_attribute("aria-busy").as_deref(), Some("true"));
        assert_eq!(skeleton.get_attribute("lang").as_deref(), Some("en"), "its only text is English, and says so");
        assert_eq!(host.query_selector_all(".mc-skeleton").unwrap().length(), 3);
        assert!(host.query_selector("[data-testid=shown]").unwrap().is_none());

        arrived.set(true);
        let shown = settled(&host).await;
        assert_eq!(shown.text_content().as_deref(), Some(german.t("continue")));
        assert_eq!(shown.get_attribute("lang").as_deref(), Some("de-DE"));
        assert!(host.query_selector("[data-state=loading]").unwrap().is_none(), "the skeleton is gone");
        host.remove();
    }

    #[wasm_bindgen_test]
    async fn a_catalogue_that_fails_to_download_leaves_the_widget_in_english() {
        let host = host();
        let widget = Inner::new(host.clone());
        let arabic = Tr::of(Lang::Ar);
        in_language_from(
            &widget,
            arabic,
            |_| async {
                crate::backend::http::sleep(5).await;
                Err(ChunkError)
            },
            shown(&widget),
        );
        let shown = settled(&host).await;
        assert_eq!(shown.text_content().as_deref(), Some(Tr::english().t("continue")));
        assert_eq!(shown.get_attribute("lang").as_deref(), Some("en"));
        assert_eq!(shown.get_attribute("dir").as_deref(), Some("ltr"));
        assert!(host.query_selector("[data-testid=chunk-failed]").unwrap().is_none(), "nothing alarming");
        host.remove();
    }

    /// Unsplit (the tests' build), every catalogue is here: the widget paints at once, no skeleton.
    #[wasm_bindgen_test]
    fn a_catalogue_that_is_here_paints_at_once() {
        let host = host();
        let widget = Inner::new(host.clone());
        let french = Tr::of(Lang::Fr);
        in_language(&widget, french, shown(&widget));
        let shown = host.query_selector("[data-testid=shown]").unwrap().expect("shown at once");
        assert_eq!(shown.text_content().as_deref(), Some(french.t("continue")));
        host.remove();
    }
}
