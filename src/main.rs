//! Entry point of the wasm module (trunk's preview and the embed build): put the widget on the
//! page, nothing else.

fn main() {
    // A panic's message in the console while developing; the release builds (the embed and
    // `trunk build --release`) leave it out: it costs about 1 KiB of the first screen.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    membership_checkout::host::install();
}
