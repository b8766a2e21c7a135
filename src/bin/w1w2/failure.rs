//! Why the program stops, and with which exit code (src/bin/w1w2/main.rs lists them).

/// Why the program stops, and with which exit code.
pub struct Failure {
    pub message: String,
    pub exit_code: u8,
}

impl Failure {
    /// A bad argument or configuration: exit code 2.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit_code: 2,
        }
    }

    /// An I/O or other runtime failure: exit code 1.
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit_code: 1,
        }
    }
}
