//! Entry point of the wasm module (trunk's preview and the embed build): put the widget on the
//! page, nothing else.

fn main() {
    console_error_panic_hook::set_once();
    membership_checkout::host::install();
}
