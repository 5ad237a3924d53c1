// Migrations are embedded at compile time; a new migration folder must
// trigger a rebuild or it would silently be left out.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
