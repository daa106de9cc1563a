//! Complaints and suggestions (pengaduan, saran dan masukan).
