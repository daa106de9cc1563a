//! Placeholder: the issue-5 work adds its end-to-end tests here.

pub fn tests() -> Vec<crate::Test> {
    Vec::new()
}
