//! One file per subcommand.

pub mod repair;
