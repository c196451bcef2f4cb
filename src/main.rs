//! Entry point of the trunk build: mount every widget on the page, nothing else.

fn main() {
    console_error_panic_hook::set_once();
    membership_checkout::mount_all();
}
