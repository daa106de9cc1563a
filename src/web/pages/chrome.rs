//! The page chrome every staff and public page shares, kept once in the
//! Worker: askama copies a base template's text into each page that
//! extends it, so `base.html` and `public_base.html` print these instead.

/// Both bases, up to the title.
pub const HEAD_START: &str = "<!doctype html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
/// Staff pages: after the title, up to the officer's menu.
pub const STAFF_TOP: &str = " — PAK POS Online</title>\n<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"/static/staff.css\">\n<script src=\"/static/staff.js\" defer></script>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Langsung ke isi</a>\n<header class=\"top\">\n  <a class=\"brand\" href=\"/staff\">PAK POS Online</a>\n";
/// Staff pages: after the menu, up to the content.
pub const STAFF_MAIN: &str = "\n</header>\n<main id=\"main\">\n";
/// Staff pages: after the content.
pub const STAFF_FOOT: &str = "\n</main>\n<footer class=\"foot\">Disdukcapil Kabupaten Wonogiri · Pelayanan Administrasi Kependudukan melalui POS</footer>\n</body>\n</html>";
/// Public pages: up to the description.
pub const PUBLIC_DESCRIPTION: &str = "<meta name=\"description\" content=\"";
/// Public pages: between the description and the title.
pub const PUBLIC_TITLE: &str = "\">\n<title>";
/// Public pages: after the title, up to the content.
pub const PUBLIC_TOP: &str = " — Disdukcapil Wonogiri</title>\n<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"/static/public.css\">\n<link rel=\"manifest\" href=\"/manifest.webmanifest\">\n<meta name=\"theme-color\" content=\"#0b5394\">\n<link rel=\"apple-touch-icon\" href=\"/static/icon-192.png\">\n<script src=\"/static/public.js\" defer></script>\n<script src=\"/static/antrian.js\" defer></script>\n</head>\n<body>\n<a class=\"skip\" href=\"#isi\">Langsung ke isi</a>\n<header class=\"top\">\n  <a class=\"brand\" href=\"/\">PAK POS <span>Online</span></a>\n  <nav aria-label=\"Menu\">\n    <a href=\"/ajukan\">Ajukan</a>\n    <a href=\"/lacak\">Lacak</a>\n    <a href=\"/pengaduan\">Pengaduan</a>\n  </nav>\n</header>\n<main id=\"isi\">\n";
/// Public pages: after the content.
pub const PUBLIC_FOOT: &str = "\n</main>\n<footer class=\"foot\">\n  <p>Dinas Kependudukan dan Pencatatan Sipil Kabupaten Wonogiri · Pelayanan Administrasi Kependudukan melalui POS</p>\n  <p>Hot Line (0273) 321468 ext. 106 · disdukcapil@wonogirikab.go.id</p>\n</footer>\n</body>\n</html>";
