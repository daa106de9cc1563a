//! Uploaded requirement documents (R2 objects) and their rows.
