//! The apply engine: server-side apply with our field manager and labels, dry runs,
//! created / configured / unchanged reporting, ordered application, bounded waits, and deletes
//! of labelled objects. Install, uninstall and every `fix` write through it.
//!
//! - [`kinds`]: apiVersion + kind → REST collection (no discovery requests).
//! - [`labels`]: our two labels, the selector, the field manager name.
//! - [`outcome`]: pure classification of what an apply did or would do.
//! - [`engine`]: the requests.

pub mod engine;
pub mod kinds;
pub mod labels;
pub mod outcome;

pub use engine::{Applied, Deleted, Desired, Engine, Ownership, Readiness};
pub use kinds::{Kind, ObjectKey};
pub use outcome::Outcome;
