// `sqlx::migrate!` embeds migrations/ at compile time, but Cargo cannot see that:
// without this, a new migration file would not rebuild the server.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
