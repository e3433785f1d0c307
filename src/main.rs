//! Entry point of the browser app: set the panic hook, mount `App`. Nothing else.
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ward::App);
}
