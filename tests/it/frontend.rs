//! Integration tests: frontend.
