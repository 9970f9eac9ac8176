fn main() {
    std::process::exit(oc_llmd::run())
}
