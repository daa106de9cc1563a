//! Complaints and suggestions (pengaduan, saran dan masukan): channels, statuses, the rules of their handling.
