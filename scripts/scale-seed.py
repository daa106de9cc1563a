#!/usr/bin/env python3
"""Scale seed: writes N realistic applications straight into a local D1 file.

    python3 scripts/scale-seed.py --db PATH.sqlite --applications 1000000 \
        --now 2026-12-01T00:00:00Z --years 10 --seed 1 [--append]

The file must already hold every migration and the demo staff (what
scripts/stack.mjs prepares: <persistDir>/v3/d1/miniflare-D1DatabaseObject/*.sqlite).
Standard library only. Deterministic for a given --seed and file content. Progress
goes to stderr, one JSON line to stdout (applications, events,
message_status_history, outbox, seconds, file_size_bytes, rows per table, checks).
Exit 2: refused (a file that already has applications, without --append; missing
tables or staff); exit 1: a check failed.

Submissions are spread evenly over the --years before --now (273.8 a day at 1M
over 10 years), on office hours for village operators and 05:30-22:30 WIB for
citizens; staff steps happen on office hours (Mon-Fri 07:30-15:30 WIB), the
courier on Mon-Sat 08-17; an application takes two to four weeks, so what was
submitted in the last three weeks is mostly open (81% at 1M), spread over every
status and so every role's queue; the last few are seconds old, so the newest
outbox rows are still pending / sending / accepted. Nothing after --now exists.

What an application's life writes, per table, with the rows per application at
1M (--seed 1) and what they imitate:

  applications           1     its final state in one plain INSERT (so any
                               trigger on applications fires for it): status,
                               version = its events, awaiting_role as
                               domain::status maps it, status_since = the last
                               event that changed the status (a step that keeps
                               it, such as attach_draft, does not move it, as in
                               store::applications::commit_step), updated_at,
                               papers, the subject as corrected. 11.6% of the
                               names start with "Sri", 1.5% "Sugeng", 0.5%
                               "Winarsih"; NIKs of Wonogiri (3312 + kecamatan +
                               birth day, +40 for women, + month, year, serial)
                               pass domain::ids::nik; 3.9% of the NIKs belong to
                               someone who applied before (resubmissions after
                               an early cancellation, 0.75%, carry
                               resubmitted_from); registration numbers follow
                               domain::ids (check symbol mod 31), all unique.
  application_services   1.5   family_card 42%, newborn package (akta + KK +
                               KIA) 14%, akta + KK 12%, KIA 12%, akta 10%...
  requirement_checks     5.1   the papers of domain::services (KIA photo only
                               from age 5); submitted = ticked at submission,
                               received_at/by once the counter received them.
  events                 11.7  domain::workflow (table.rs / decide.rs): submit,
                               accept, approve, receive_documents, attach_draft
                               per product, request_signature,
                               validate_signature, sign per product (one request,
                               one event each), mark_printed, then hand_over,
                               record_delivered (courier, or the counter) or
                               record_downloaded (citizen, or the counter);
                               3% cancelled at the four cancellable statuses,
                               with return_papers where the agency held papers;
                               correct 6%, return_to_production 3%,
                               change_delivery_method 1.5%, record_returned 5% of
                               deliveries. seq = 1..version, details / changes
                               as serde writes them. A completed single-product
                               application has 10.
  outbox                 5.5   every SMS (domain::messages texts, links on the
                               --base-url, production's by default) and courier
                               request (store::applications::outbox_content
                               JSON) at its event and effect position;
                               cancel_pickup_documents rows; download-code SMS
                               (event_seq NULL); WhatsApp rows (4% of
                               citizens) and the SMS fallbacks of templates
                               without approved content (fallback_of); staff
                               resends of 30% of failed SMS (resend_of).
  message_status_history 13.7  as dispatch writes it: accepted (dispatch, the
                               SID), sent, delivered (provider) per SMS;
                               retrying 1.5%, undelivered (Twilio error 30003)
                               1.2%, failed at send 0.2%; courier rows accepted
                               (dispatch, the order id); pickup cancellations
                               delivered with dispatch's note.
  shipments / fees       1.33  every courier leg booked: pickup_documents after
                               approve (Rp 10.000), deliver_documents with
                               Rp 10.000 COD for pos, return_documents (Rp 0,
                               the agency pays) after a cancellation in
                               production; fees expected / collected / void on
                               WIB days.
  shipment_events        2.65  the stand-in's Biteship reports (picking_up,
                               picked; dropping_off, delivered / returned /
                               rejected; cancelled), event_id order:status.
  provider_polls         1.32  the cron's polls of orders whose report was more
                               than 30 minutes away (store::recover): nearly
                               every pickup and delivery, between its reports.
  products               1.84  one per product once a draft is attached (all of
                               the application's products, as commit_step
                               writes them); signatures 1.84, one per signature
                               (verification codes with their check symbol,
                               downloaded_at for cetak mandiri).
  download_links / codes 0.1   cetak mandiri: the SMS link (its token hashes to
                               token_hash) and the one-time codes (with their
                               download_code SMS).
  access_log             1.97  staff opening the record before a step (p=0.8),
                               citizens' status checks (~1.2 each), staff
                               opening uploads; only the last two years
                               (app::retention).
  documents              0.01  uploads of 40% of the applications (1-3 files),
                               kept only while retention keeps them (open, or
                               closed less than 30 days before --now).
  rate_limits            3.0   the counters nothing deletes: sms_phone per phone
                               hash and submit per address for citizens'
                               submissions, track per address for status checks
                               (one row per key: its latest window).
  idempotency_keys       -     android submissions of the last 24 hours.

Skipped on purpose: complaints / complaint_events (their own flow, rarely tied
to an application), sms_inbound and sessions (kept a day at most),
sms_opt_outs, login_* and api_keys (not per application). Staff come from the
file (one or more per role; village-channel applications only in villages that
have an operator). R2 holds no objects for the generated drafts, signed files and
uploads: downloading them (or signing a generated draft) answers "object
missing"; attaching a new draft first works.

The load: one transaction with synchronous=OFF and a page cache sized to the
run; each chunk's rows go in with executemany, those of WITHOUT ROWID tables in
key order, generated meanwhile by a forked process (--workers 0: all in one).
The secondary indexes of the tables written are dropped first and recreated at
the end from the SQL saved from sqlite_master (identical text; sqlite_master
lists them after the tables afterwards). Of the triggers only the three guards
on events (events_are_append_only_update / _delete,
events_follow_the_application_version) are dropped and recreated that way;
every other trigger (e.g. the roll-ups of 0018) stays and fires. The file keeps
its journal mode (WAL) but the load runs under a rollback journal, switched
back at the end or on failure (--keep-journal-mode: load in WAL, which at 1M
spills the transaction into the WAL, is slower and needs twice the disk).
SIGTERM / SIGHUP / ^C roll back everything written. Ends with PRAGMA
foreign_key_check (in a second process) and PRAGMA integrity_check.
"""

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import sys
import time

# ---------------------------------------------------------------- constants

ALPHABET = "123456789ABCDEFGHJKMNPQRSTVWXYZ"  # domain::check_symbol::ALPHABET
BASE_URL = "https://pakpos.disdukcapil.wonogirikab.go.id"  # wrangler.toml PUBLIC_BASE_URL
SENDER = "PAK POS Dukcapil Wonogiri"
FEE = 10000
DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000
WIB = 7 * HOUR
EPOCH = dt.date(1970, 1, 1)

ROLE_OF_STATUS = {  # domain::status::Status::awaiting_role
    "submitted": "front_office",
    "awaiting_validation": "validator",
    "awaiting_signature_validation": "validator",
    "awaiting_documents": "pickup_counter",
    "ready_for_pickup": "pickup_counter",
    "out_for_delivery": "pickup_counter",
    "ready_for_download": "pickup_counter",
    "in_production": "production",
    "ready_to_print": "production",
    "awaiting_signature": "head_of_agency",
    "completed": None,
    "cancelled": None,
}

# domain::services: each service's papers in checklist order (code, from_age)
REQUIREMENTS = {
    "birth_certificate": [("surat_keterangan_lahir", 0), ("kk_orang_tua", 0), ("ktp_orang_tua", 0),
                          ("buku_nikah", 0), ("ktp_saksi", 0)],
    "family_card": [("kk_lama", 0), ("formulir_f101", 0), ("ktp_orang_tua", 0), ("buku_nikah", 0)],
    "child_id_card": [("kk_orang_tua", 0), ("akta_kelahiran_anak", 0), ("pas_foto_anak", 5)],
}
SERVICE_ORDER = ["birth_certificate", "family_card", "child_id_card"]  # Service enum order
PRODUCTS_OF = {
    "birth_certificate": ["birth_certificate", "birth_register"],
    "family_card": ["family_card"],
    "child_id_card": ["child_id_card"],
}
PRODUCT_ORDER = ["birth_certificate", "birth_register", "family_card", "child_id_card"]
PRODUCT_LABEL = {
    "birth_certificate": "Akta Kelahiran",
    "birth_register": "Register Akta Kelahiran",
    "family_card": "Kartu Keluarga (KK)",
    "child_id_card": "Kartu Identitas Anak (KIA)",
}
# (services, weight): family_card alone is the most common; a newborn needs all three
SERVICE_MIX = [
    (("family_card",), 0.42),
    (("birth_certificate", "family_card", "child_id_card"), 0.14),
    (("birth_certificate", "family_card"), 0.12),
    (("birth_certificate",), 0.10),
    (("child_id_card",), 0.12),
    (("family_card", "child_id_card"), 0.06),
    (("birth_certificate", "child_id_card"), 0.04),
]

# SMS texts: domain::messages
APPROVED = "disetujui. Kurir PT Pos menjemput berkas (Rp10.000)"
IN_PRODUCTION = "berkas diterima, dokumen sedang diproses"
PICKUP = "selesai, ambil di Loket Pengambilan (bawa KTP-el)"
COD = "selesai, diantar PT Pos. Siapkan Rp10.000 (COD)"
TRACKED = {
    "approved_send_documents": (APPROVED, "Daftarnya"),
    "documents_received": (IN_PRODUCTION, "Info"),
    "ready_for_pickup": (PICKUP, "Info"),
    "out_for_delivery": (COD, "Info"),
    "delivery_returned": ("gagal diantar PT Pos, ambil di Loket Pengambilan", "Info"),
}
# dispatch::consumers::NO_WHATSAPP_TEMPLATE
NO_WHATSAPP_TEMPLATE = "WhatsApp: belum ada template yang disetujui untuk pesan ini; dikirim lewat SMS"
# templates with an approved WhatsApp template (as scripts/stack.mjs configures them)
WHATSAPP_TEMPLATES = ("registration_received", "documents_received", "ready_for_pickup")

# what the courier's tracking says while one of our shipments is in this status
BITESHIP_WORD = {"created": "allocated", "picking_up": "picking_up", "in_transit": "dropping_off"}

PAPERS_RETURN_LABEL = {
    "pos": "Dikirim kembali lewat PT Pos",
    "counter": "Diambil pemohon di Loket Pengambilan",
    "not_received": "Berkas fisik belum diterima",
}

CANCEL_REASONS = {
    "submitted": [
        "Data NIK tidak sesuai dengan database SIAK",
        "NIK pemohon tidak ditemukan di database SIAK",
        "Permohonan ganda, sudah diajukan dengan nomor lain",
        "Nomor KK tidak sesuai dengan data SIAK",
        "Data anak belum lengkap, mohon ajukan ulang dengan data yang benar",
    ],
    "awaiting_validation": [
        "Persyaratan tidak memenuhi ketentuan",
        "Data anak belum tercatat dalam KK orang tua",
        "Perubahan data harus melalui pengadilan terlebih dahulu",
        "Permohonan tidak dapat diproses, pemohon diminta datang ke Disdukcapil",
    ],
    "awaiting_documents": [
        "Berkas fisik tidak dikirim dalam 30 hari",
        "Pemohon membatalkan permohonan",
        "Kurir tidak dapat menjemput berkas, alamat tidak ditemukan",
    ],
    "in_production": [
        "Dokumen persyaratan tidak sah",
        "Buku nikah tidak terbaca, mohon ajukan ulang dengan fotokopi yang jelas",
        "Data pada berkas fisik berbeda dengan data SIAK",
        "Surat keterangan lahir tidak ditandatangani bidan atau dokter",
    ],
}
RETURN_REASONS = [
    "Nama ayah pada draf belum sesuai buku nikah",
    "Tanggal lahir pada draf berbeda dengan surat keterangan lahir",
    "Nomor akta pada draf salah ketik",
    "Tempat lahir belum sesuai, mohon diperbaiki",
    "Draf KK belum memuat anggota keluarga yang baru",
]

# ---------------------------------------------------------------- names

SRI_SECOND = ["Wahyuni", "Lestari", "Rahayu", "Suharti", "Mulyani", "Sumarni", "Handayani", "Hartini",
              "Wulandari", "Utami", "Purwanti", "Astuti", "Rejeki", "Sundari", "Haryati", "Wahyuningsih",
              "Suryani", "Kustini", "Ningsih", "Mardiyani", "Sulastri", "Hastuti", "Sutarmi", "Winarni",
              "Endah", "Murni", "Yuliani", "Widayati", "Sukesi", "Parwati"]
SUGENG_SECOND = ["Riyadi", "Santoso", "Widodo", "Prasetyo", "Hariyanto", "Purnomo", "Raharjo", "Wibowo",
                 "Suharto", "Sutrisno", "Pranoto", "Hartono"]
FEMALE_FIRST = ["Siti", "Suparmi", "Sumarni", "Tukiyem", "Sumini", "Ngatini", "Sarmi", "Painem", "Endang",
                "Rini", "Yuni", "Dwi", "Tri", "Wahyuni", "Lestari", "Suryani", "Puji", "Ani", "Eni", "Tutik",
                "Wartini", "Suyatmi", "Parmi", "Sukarti", "Murni", "Kasiyem", "Rusmini", "Warsini",
                "Jumiyati", "Sulastri", "Mujiyem", "Ratna", "Dewi", "Nur", "Fitri", "Indah", "Rina", "Yanti",
                "Wulan", "Ayu", "Retno", "Kartini", "Maryati", "Sumiyati", "Suwarni", "Tumini", "Darmi",
                "Sutini", "Harni", "Partini", "Wiwik", "Yatmi", "Setyaningsih", "Novita", "Anik", "Eka",
                "Nining", "Marsini", "Giyem", "Sukini"]
FEMALE_SECOND = ["Rahayu", "Wahyuni", "Lestari", "Handayani", "Purwanti", "Astuti", "Mulyani", "Utami",
                 "Susanti", "Wulandari", "Hartati", "Kurniawati", "Rahmawati", "Ningsih", "Sulistyowati",
                 "Setyawati", "Anggraini", "Puspitasari", "Fatimah", "Aminah", "Khasanah", "Nurhayati"]
MALE_FIRST = ["Budi", "Wahyu", "Joko", "Agus", "Eko", "Bambang", "Slamet", "Suyanto", "Sutrisno", "Mulyono",
              "Parno", "Suparno", "Wagiman", "Ngadiman", "Sukardi", "Paiman", "Suwarno", "Tukimin", "Sarno",
              "Sukino", "Jumadi", "Warsito", "Hadi", "Heru", "Teguh", "Yanto", "Sigit", "Gunawan", "Hartono",
              "Susilo", "Darmanto", "Purwanto", "Sumarno", "Giyanto", "Kasno", "Marjono", "Rudi", "Dedi",
              "Andi", "Arif", "Bayu", "Dimas", "Fajar", "Rizki", "Hendra", "Tarno", "Sarju", "Poniman",
              "Legimin", "Supriyadi", "Mujiono", "Wiyono", "Triyono", "Haryanto", "Mulyadi"]
MALE_SECOND = ["Santoso", "Susanto", "Purnomo", "Setiawan", "Prasetyo", "Wibowo", "Nugroho", "Raharjo",
               "Hidayat", "Saputro", "Wijaya", "Kurniawan", "Riyadi", "Haryanto", "Sutanto", "Widodo",
               "Pranoto", "Sulistyo", "Darmawan", "Setyawan", "Firmansyah", "Hermawan"]
CHILD_BOY = ["Muhammad", "Ahmad", "Aditya", "Bagas", "Bima", "Dimas", "Fajar", "Galih", "Raka", "Rizky",
             "Arka", "Kenzo", "Alvaro", "Zidan", "Rafa", "Arya", "Danendra", "Gibran", "Haikal", "Satria"]
CHILD_GIRL = ["Aisyah", "Nadia", "Putri", "Ayu", "Sekar", "Dewi", "Keisha", "Naura", "Alya", "Zahra",
              "Salsabila", "Kirana", "Anindya", "Citra", "Khanza", "Nayla", "Azzahra", "Queensha"]
CHILD_LAST_BOY = ["Pratama", "Saputra", "Wicaksono", "Nugroho", "Ramadhan", "Prasetya", "Firmansyah",
                  "Kusuma", "Wijaya", "Al Fatih", "Maulana", "Putra"]
CHILD_LAST_GIRL = ["Maharani", "Anggraini", "Putri", "Rahmawati", "Azzahra", "Kusuma", "Wijayanti",
                   "Ramadhani", "Safitri", "Larasati", "Cahyani", "Khairunnisa"]
DUSUN = ["Krajan", "Ngasem", "Sendang", "Tegalrejo", "Banaran", "Kedungrejo", "Karangtengah", "Ngampel",
         "Pule", "Sumber", "Gunungsari", "Kepuh", "Jatirejo", "Ngelo", "Watugajah", "Dondong", "Kembang",
         "Pucung", "Mojo", "Tangkil", "Gondang", "Blimbing", "Sambirejo", "Turi"]
STREETS = ["Jl. Ahmad Yani", "Jl. Diponegoro", "Jl. Jenderal Sudirman", "Jl. Pemuda", "Jl. Kartini",
           "Jl. Pahlawan", "Jl. Veteran", "Jl. Gajah Mada", "Jl. Pattimura", "Jl. Slamet Riyadi",
           "Jl. Dr. Wahidin", "Jl. Raya Wonogiri-Pracimantoro", "Jl. Brigjen Katamso", "Jl. Kyai Mojo"]
BIRTH_PLACES_OTHER = ["Sukoharjo", "Surakarta", "Klaten", "Karanganyar", "Pacitan", "Ponorogo",
                      "Jakarta", "Bekasi", "Tangerang", "Bogor", "Boyolali", "Sragen"]
PHONE_PREFIX = (["811", "812", "813", "821", "822", "823", "852", "853", "851"] * 3
                + ["814", "815", "816", "855", "856", "857", "858"] * 2
                + ["817", "818", "819", "859", "877", "878"] * 2
                + ["831", "832", "833", "838", "895", "896", "897", "898", "899", "881", "882", "887"])
IP_FIRST = [36, 39, 103, 110, 112, 114, 116, 118, 120, 125, 140, 180, 182, 202]
UPLOAD_NAMES = ["IMG_{d}_{t}.jpg", "WhatsApp Image {d2} at {t2}.jpeg", "scan_{item}.pdf", "{item}.jpg",
                "foto_{item}.jpg", "CamScanner {d2} {t2}.pdf"]

# ---------------------------------------------------------------- time text

_day_prefix = {}
_hour_prefix = {}
_wib_day = {}
_MINUTES = ["%02d:" % m for m in range(60)]
_SEC_MS = ["%02d.%03dZ" % divmod(i, 1000) for i in range(60_000)]


def ts(ms):
    """platform::timestamp: 2026-11-28T01:02:03.456Z"""
    h, r = divmod(ms, HOUR)
    p = _hour_prefix.get(h)
    if p is None:
        d, hh = divmod(h, 24)
        dp = _day_prefix.get(d)
        if dp is None:
            dp = _day_prefix[d] = (EPOCH + dt.timedelta(days=d)).strftime("%Y-%m-%dT")
        p = _hour_prefix[h] = "%s%02d:" % (dp, hh)
    m, r = divmod(r, MINUTE)
    return p + _MINUTES[m] + _SEC_MS[r]


def wib_day(ms):
    """platform::wib_date: the WIB (UTC+7) date, YYYY-MM-DD."""
    d = (ms + WIB) // DAY
    s = _wib_day.get(d)
    if s is None:
        s = _wib_day[d] = (EPOCH + dt.timedelta(days=d)).isoformat()
    return s


def parse_now(text):
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1000)


# ---------------------------------------------------------------- checked codes

def checked(values):
    """domain::check_symbol: the check value making sum(pos*value) = 0 mod 31."""
    n = len(values) + 1
    partial = sum((i + 1) * v for i, v in enumerate(values)) % 31
    return values + [(31 - partial) * pow(n, -1, 31) % 31]


def digits31(x, n):
    out = []
    for _ in range(n):
        x, r = divmod(x, 31)
        out.append(r)
    return out


def registration_number(values8):
    s = "".join(ALPHABET[v] for v in checked(values8))
    return s[:4] + "-" + s[4:]


def verification_code(values15):
    s = "".join(ALPHABET[v] for v in checked(values15))
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


def read_checked(text, n):
    vals = [ALPHABET.index(c) for c in text.replace("-", "")]
    return len(vals) == n and sum((i + 1) * v for i, v in enumerate(vals)) % 31 == 0


def self_test():
    # src/domain/ids/registration_number.rs: bytes 0,1,2,(248),30,(255),31,62,100,247 -> "123Z-118ZV"
    assert registration_number([0, 1, 2, 30, 0, 0, 7, 30]) == "123Z-118ZV"
    assert read_checked("123Z-118ZV", 9) and not read_checked("123Z-118ZW", 9)
    # numbers the running Worker generated (scripts/stack.mjs, this repository's build)
    for n in ("GNEF-C6QN2", "7YXW-1SKYV", "B952-8S18F", "2BSM-AA36A", "HXQA-43HJM", "NNES-7A2KX"):
        assert read_checked(n, 9), n
    for c in ("B1VM-XQ6Z-8PCT-HVBS", "7CEB-KG4A-C3HM-ZPSD", "YB5Y-Q216-EPNB-C8RP"):
        assert read_checked(c, 16), c
    assert verification_code([ALPHABET.index(c) for c in "B1VMXQ6Z8PCTHVB"]) == "B1VM-XQ6Z-8PCT-HVBS"


def valid_nik(nik):
    """domain::ids::nik: 16 digits, day 01-31|41-71, month 01-12, serial not 0000."""
    if len(nik) != 16 or not nik.isdigit():
        return False
    day, month = int(nik[6:8]), int(nik[8:10])
    return (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12 and nik[12:] != "0000"


def valid_phone(phone):
    """domain::ids::phone_number, stored as E.164 +628..."""
    nat = phone[3:]
    return (phone.startswith("+62") and 9 <= len(nat) <= 12 and nat.isdigit() and nat[0] == "8"
            and nat[1] in "1235679" + "8")


def js(v):
    """A JSON string as serde_json writes it (no escaping needed for our text)."""
    if v is None:
        return "null"
    if '"' in v or "\\" in v:
        return json.dumps(v, ensure_ascii=False)
    return '"' + v + '"'


def squeeze(text):
    return " ".join(text.split())


def shorten(text, mx):
    """domain::messages::shorten"""
    text = squeeze(text)
    if len(text) <= mx:
        return text
    out = text[:max(mx - 3, 0)]
    space = out.rfind(" ")
    if space != -1 and space > mx // 2:
        out = out[:space]
    return out + "..."


def cancelled_text(number, reason, base):
    head = f"{SENDER}: {number} dibatalkan: "
    tail = f" Rincian: {base}/l/{number.replace('-', '')}"
    room = max(160 - (len(head) + len(tail)), 0)
    r = shorten(reason, max(room - 1, 0))
    if not r.endswith("..."):
        r += "."
    return head + r + tail


def sms_text(template, number, base):
    if template == "registration_received":
        return (f"{SENDER}: permohonan terdaftar, No. {number}. Simpan nomor ini. "
                f"Unggah berkas: {base}/u/{number.replace('-', '')}")
    now, label = TRACKED.get(template, ("lihat status terbaru", "Info"))
    return f"{SENDER}: {number} {now}. {label}: {base}/l/{number.replace('-', '')}"


# ---------------------------------------------------------------- generator

class Rnd(random.Random):
    """random.Random with float-based randrange/choice: several times faster, still deterministic."""

    def randrange(self, a, b=None):
        if b is None:
            a, b = 0, a
        n = b - a
        if n > 1 << 50:
            return a + super().randrange(n)
        return a + int(self.random() * n)

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class Gen:
    def __init__(self, args, now, staff, villages, ids, existing_numbers):
        self.rnd = Rnd(args.seed)
        self.base = args.base_url.rstrip("/")
        self.now = now
        self.span = int(args.years * 365.25 * DAY)
        self.start = now - self.span
        self.log_cutoff = now - 730 * DAY          # app::retention: access log 2 years
        self.upload_cutoff = now - 30 * DAY        # uploads 30 days after closing
        self.idem_cutoff = now - DAY               # idempotency keys: a day
        self.staff = staff
        self.villages = villages
        self.ids = ids
        self.existing = existing_numbers
        self.people = []  # recent applicants, to reuse now and then (same NIK twice)
        self.rows = {k: [] for k in TABLE_ORDER}
        self.rate = {}    # rate_limits (bucket, key) -> row, flushed with the chunk
        self.numbers = []
        self.number_pos = 0

    # ---- ids and random text

    def next_id(self, table):
        self.ids[table] += 1
        return self.ids[table]

    def hex(self, bits):
        return "%0*x" % (bits // 4, self.rnd.getrandbits(bits))

    def reserve_numbers(self, n):
        """Every registration number of the run, unique among themselves and the file's."""
        rnd = self.rnd
        seen = set(self.existing)
        out = []
        top = 31 ** 8
        while len(out) < n:
            x = rnd.randrange(top)
            num = registration_number(digits31(x, 8))
            if num in seen:
                continue
            seen.add(num)
            out.append(num)
        self.numbers = out

    def new_code(self):
        return verification_code(digits31(self.rnd.randrange(31 ** 15), 15))

    def pick(self, role):
        lst = self.staff[role]
        return lst[0] if len(lst) == 1 else self.rnd.choice(lst)

    # ---- clocks: office hours (Mon-Fri 07:30-15:30 WIB), courier (Mon-Sat 08-17), citizens

    def office(self, ms):
        local = ms + WIB
        d, r = divmod(local, DAY)
        dow = (d + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        if dow < 5 and 27_000_000 <= r < 55_800_000:
            return ms
        nd = d if (dow < 5 and r < 27_000_000) else d + 1
        while (nd + 3) % 7 >= 5:
            nd += 1
        return nd * DAY + 27_000_000 + int(self.rnd.random() * 90 * MINUTE) - WIB

    def courier_clock(self, ms):
        local = ms + WIB
        d, r = divmod(local, DAY)
        dow = (d + 3) % 7
        if dow < 6 and 8 * HOUR <= r < 17 * HOUR:
            return ms
        nd = d if (dow < 6 and r < 8 * HOUR) else d + 1
        while (nd + 3) % 7 == 6:
            nd += 1
        return nd * DAY + 8 * HOUR + int(self.rnd.random() * 120 * MINUTE) - WIB

    def citizen(self, ms):
        local = ms + WIB
        d, r = divmod(local, DAY)
        if 5 * HOUR <= r < 23 * HOUR:
            return ms
        nd = d if r < 5 * HOUR else d + 1
        return nd * DAY + 5 * HOUR + int(self.rnd.random() * 180 * MINUTE) - WIB

    def later(self, t, lo_h, hi_h, skew=1.0):
        r = self.rnd.random()
        if skew != 1.0:
            r **= skew
        return t + int((lo_h + (hi_h - lo_h) * r) * HOUR)

    # ---- people

    def person(self, t0):
        rnd = self.rnd
        r = rnd.random()
        if r < 0.115:
            female = True
            name = "Sri " + rnd.choice(SRI_SECOND)
            if rnd.random() < 0.15:
                name += " " + rnd.choice(FEMALE_SECOND)
        elif r < 0.130:
            female = False
            name = "Sugeng" if rnd.random() < 0.2 else "Sugeng " + rnd.choice(SUGENG_SECOND)
        elif r < 0.135:
            female = True
            name = "Winarsih" if rnd.random() < 0.6 else "Winarsih " + rnd.choice(FEMALE_SECOND)
        else:
            female = rnd.random() < 0.555
            first = rnd.choice(FEMALE_FIRST if female else MALE_FIRST)
            name = first if rnd.random() < 0.45 else first + " " + rnd.choice(FEMALE_SECOND if female else MALE_SECOND)
        village = rnd.choice(self.villages)
        born = dt.date.fromordinal((EPOCH + dt.timedelta(days=t0 // DAY)).toordinal()
                                   - int((19 + 43 * rnd.random() ** 1.3) * 365.25))
        kk = village["kk"] if rnd.random() < 0.9 else rnd.choice(self.villages)["kk"]
        nik = self.nik(kk, born, female)
        phone = "+62" + rnd.choice(PHONE_PREFIX) + str(rnd.randrange(10 ** 6, 10 ** 7)) + (
            "" if rnd.random() < 0.35 else str(rnd.randrange(10 ** (1 if rnd.random() < 0.6 else 2))).zfill(1))
        assert valid_phone(phone), phone
        if village["kind"] == "desa":
            address = (f"Dusun {rnd.choice(DUSUN)} RT {rnd.randrange(1, 9):03d} RW {rnd.randrange(1, 7):03d}, "
                       f"Desa {village['name']}, Kec. {village['kec_name']}")
        else:
            address = (f"{rnd.choice(STREETS)} No. {rnd.randrange(1, 160)} RT {rnd.randrange(1, 9):03d} "
                       f"RW {rnd.randrange(1, 12):03d}, Kel. {village['name']}, Kec. {village['kec_name']}")
        kk_issued = dt.date.fromordinal((EPOCH + dt.timedelta(days=t0 // DAY)).toordinal() - rnd.randrange(30, 3650))
        kk_number = f"3312{kk}{kk_issued.day:02d}{kk_issued.month:02d}{kk_issued.year % 100:02d}{rnd.randrange(1, 9999):04d}"
        return {"name": name, "female": female, "nik": nik, "phone": phone, "village": village,
                "address": address, "kk_number": kk_number, "ip": self.ip()}

    def nik(self, kk, born, female):
        day = born.day + (40 if female else 0)
        serial = int(1 + 9998 * self.rnd.random() ** 3)
        nik = f"3312{kk}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
        assert valid_nik(nik), nik
        return nik

    def ip(self):
        r = self.rnd
        return f"{r.choice(IP_FIRST)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"

    def other_name(self, female):
        rnd = self.rnd
        r = rnd.random()
        if female and r < 0.12:
            return "Sri " + rnd.choice(SRI_SECOND)
        first = rnd.choice(FEMALE_FIRST if female else MALE_FIRST)
        return first if r < 0.5 else first + " " + rnd.choice(FEMALE_SECOND if female else MALE_SECOND)

    def subject(self, services, who, t0):
        """The subject_json, its birth date (or None), and the child's NIK."""
        rnd = self.rnd
        today = EPOCH + dt.timedelta(days=(t0 + WIB) // DAY)
        if services == ("family_card",):
            # The applicant's own family card.
            return {"name": who["name"], "sex": None, "birth_date": None, "birth_place": None,
                    "mother_name": None, "father_name": None, "family_card_number": who["kk_number"],
                    "nik": who["nik"]}, None
        girl = rnd.random() < 0.49
        if "birth_certificate" in services:
            age_days = rnd.randrange(3, 60) if rnd.random() < 0.85 else rnd.randrange(60, 3650)
        else:  # a KIA: children up to 17
            age_days = rnd.randrange(30, 17 * 365)
        born = today - dt.timedelta(days=age_days)
        name = rnd.choice(CHILD_GIRL if girl else CHILD_BOY) + " " + rnd.choice(CHILD_LAST_GIRL if girl else CHILD_LAST_BOY)
        if who["female"]:
            mother, father = who["name"], self.other_name(False)
        else:
            mother, father = self.other_name(True), who["name"]
        place = "Wonogiri" if rnd.random() < 0.6 else (
            who["village"]["kec_name"] if rnd.random() < 0.5 else rnd.choice(BIRTH_PLACES_OTHER))
        nik = None
        if "child_id_card" in services or "family_card" in services or rnd.random() < 0.5:
            nik = self.nik(who["village"]["kk"], born, girl)
        return {"name": name, "sex": "female" if girl else "male", "birth_date": born.isoformat(),
                "birth_place": place, "mother_name": mother, "father_name": father if rnd.random() < 0.95 else None,
                "family_card_number": who["kk_number"], "nik": nik}, born

    # ---- the application's life

    def make(self, slot_t, resub=None):
        """One application from submission to --now; returns a resubmission to make, if any."""
        rnd = self.rnd
        now = self.now
        R = self.rows
        number = self.numbers[self.number_pos]
        self.number_pos += 1

        # who and how
        if resub is not None:
            who = resub["who"]
            channel = resub["channel"]
            t0 = resub["at"]
        else:
            if self.people and rnd.random() < 0.03:
                who = rnd.choice(self.people)  # the same citizen applying again
            else:
                who = self.person(slot_t)
                if len(self.people) < 5000:
                    self.people.append(who)
                else:
                    self.people[rnd.randrange(5000)] = who
            t0 = slot_t
            d = (t0 + WIB) // DAY
            weekday = (d + 3) % 7 < 5
            channel = "web" if rnd.random() < 0.62 else "android"
            if weekday and who["village"]["code"] in self.staff["village_operator"] and rnd.random() < 0.7:
                at = self.office(t0)
                if at <= now:
                    channel, t0 = "village", at
        village = who["village"]
        operator = self.pick_operator(village["code"]) if channel == "village" else None

        r = rnd.random()
        acc = 0.0
        services = SERVICE_MIX[0][0]
        for combo, w in SERVICE_MIX:
            acc += w
            if r < acc:
                services = combo
                break
        if resub is not None:
            services = resub["services"]  # the same request again, corrected
        services = tuple(s for s in SERVICE_ORDER if s in services)
        products = [p for p in PRODUCT_ORDER if any(p in PRODUCTS_OF[s] for s in services)]
        r = rnd.random()
        method = "pickup" if r < 0.55 else ("pos" if r < 0.90 else "self_print")
        delivery_address = None
        if method == "pos" and rnd.random() < 0.15:
            delivery_address = f"{rnd.choice(STREETS)} No. {rnd.randrange(1, 200)}, {rnd.choice(DUSUN)}, Wonogiri"
        whatsapp = channel != "village" and rnd.random() < 0.04
        subject, born = self.subject(services, who, t0)
        today = EPOCH + dt.timedelta(days=(t0 + WIB) // DAY)
        items = []
        for s in services:
            for code, from_age in REQUIREMENTS[s]:
                if code in items:
                    continue
                if from_age and born is not None:
                    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
                    if years < from_age:
                        continue
                items.append(code)
        items.sort()
        if channel == "village":
            ticked = set(c for c in items if rnd.random() < 0.85)
        elif rnd.random() < 0.3:
            ticked = set(items)
        else:
            ticked = set()

        # the outcome: ~3% cancelled, at one of the four cancellable statuses
        cancel_at = None
        r = rnd.random()
        if r < 0.03:
            r2 = rnd.random()
            cancel_at = ("submitted" if r2 < 0.40 else "awaiting_validation" if r2 < 0.62
                         else "awaiting_documents" if r2 < 0.84 else "in_production")

        app = {
            "number": number, "who": who, "channel": channel, "services": services, "products": products,
            "method": method, "delivery_address": delivery_address, "whatsapp": whatsapp,
            "subject": subject, "items": items, "ticked": ticked, "operator": operator,
            "address": who["address"], "version": 0, "status": None, "status_since": t0,
            "updated_at": t0, "siak": None, "papers": None, "closed_at": None,
            "product_state": {}, "product_updated": None, "received": None,
        }
        resubmission = self.life(app, t0, cancel_at, resub)

        # the application row: its final state
        subj = app["subject"]
        subject_json = ('{"name":%s,"sex":%s,"birth_date":%s,"birth_place":%s,"mother_name":%s,'
                        '"father_name":%s,"family_card_number":%s,"nik":%s}') % (
            js(subj["name"]), js(subj["sex"]), js(subj["birth_date"]), js(subj["birth_place"]),
            js(subj["mother_name"]), js(subj["father_name"]), js(subj["family_card_number"]), js(subj["nik"]))
        status = app["status"]
        R["applications"].append((
            number, status, app["version"], ROLE_OF_STATUS[status], ts(app["status_since"]), who["nik"],
            who["name"], who["phone"], app["address"], village["code"], subject_json, app["method"],
            app["delivery_address"], channel, app["siak"], operator, ts(t0), ts(app["updated_at"]),
            resub["from"] if resub else None, app["papers"], "whatsapp" if whatsapp else "sms"))
        for s in services:
            R["application_services"].append((number, s))
        rec = app["received"]
        for it in items:
            R["requirement_checks"].append((number, it, 1 if it in ticked else 0,
                                            ts(rec[0]) if rec else None, rec[1] if rec else None))
        ps = app["product_state"]
        if ps:
            pu = ts(app["product_updated"])
            for p in products:
                st = ps.get(p)
                if st is None:
                    R["products"].append((number, p, None, None, None, None, 0, None, pu))
                else:
                    R["products"].append((number, p, st["doc"], st["key"], st["sha"], st["size"],
                                          1 if st["validated"] else 0, st["signed"], pu))
        # a citizen's submission counts its phone's SMS and its address (limits)
        if channel != "village":
            self.rate_hit("sms_phone", hashlib.sha256(who["phone"].encode()).hexdigest(), t0)
            self.rate_hit("submit", who["ip"], t0)
            if channel == "android" and t0 >= self.idem_cutoff:
                self.idempotency(app, t0)
        return resubmission

    def pick_operator(self, code):
        lst = self.staff["village_operator"][code]
        return lst[0] if len(lst) == 1 else self.rnd.choice(lst)

    # ---- rows of one step

    def event(self, app, t, action, role, actor, to, reason=None, changes=None, details=None):
        app["version"] += 1
        frm = app["status"]
        R = self.rows
        R["events"].append((app["number"], app["version"], action, actor, role, frm, to, reason,
                            changes, details, ts(t)))
        if to != frm:
            app["status_since"] = t
        app["status"] = to
        if t > app["updated_at"]:
            app["updated_at"] = t
        # staff open the record before acting on it (store::applications::read_full)
        if actor is not None and role != "village_operator" and self.rnd.random() < 0.8:
            at = t - self.rnd.randrange(20_000, 15 * MINUTE)
            if at >= self.log_cutoff:
                self.access(actor, role, app["number"], "record", at)
        return app["version"]

    def access(self, staff_id, role, number, what, at):
        self.rows["access_log"].append((self.next_id("access_log"), staff_id, role, number, what, ts(at), "read"))

    def rate_hit(self, bucket, key, at):
        k = (bucket, key)
        old = self.rate.get(k)
        if old is None or old[3] < at:
            self.rate[k] = (bucket, key, 1, at)

    def idempotency(self, app, t0):
        v = app["who"]["village"]
        resp = ('{"registration_number":"%s","status":"submitted","status_label":"Permohonan terdaftar, sedang '
                'diperiksa petugas Dinas","version":1,"services":[%s],"village":{"code":"%s","name":"%s",'
                '"kind":"%s","kecamatan_code":"%s","kecamatan":"%s"},"delivery_method":"%s","channel":"android",'
                '"created_at":"%s","messages_queued":1,"resubmitted_from":null,"papers_carried_over":false}') % (
            app["number"], ",".join('"%s"' % s for s in app["services"]), v["code"], v["name"], v["kind"],
            v["kec_code"], v["kec_name"], app["method"], ts(t0))
        self.rows["idempotency_keys"].append((self.hex(256), self.hex(256), app["number"], resp, ts(t0)))

    def sms(self, app, seq, pos, template, body, t, recipient=None, resend_of=None, created_by=None,
            fallback_of=None):
        """An SMS outbox row and its dispatch history up to --now; returns (id, final status)."""
        rnd = self.rnd
        now = self.now
        oid = self.next_id("outbox")
        to = recipient or app["who"]["phone"]
        hist = []
        claims = []  # claim times
        status_at = []  # (time, status, provider_id, last_error)
        wa = to.startswith("whatsapp:")
        c1 = t + rnd.randrange(300, 2500)
        provider = None
        err = None
        next_attempt = None
        if resend_of is not None:
            hist.append(("pending", f"resend of #{resend_of} by staff #{created_by}", "staff", t))
        if wa and template not in WHATSAPP_TEMPLATES:
            claims.append(c1)
            f = c1 + rnd.randrange(30, 400)
            hist.append(("failed", NO_WHATSAPP_TEMPLATE, "dispatch", f))
            status_at.append((f, "failed", None, NO_WHATSAPP_TEMPLATE))
            fate = "wa_fallback"
        else:
            r = rnd.random()
            fate = ("failed" if r < 0.002 else "undelivered" if r < 0.014 else "retry" if r < 0.029 else "ok")
            if fate == "failed":
                claims.append(c1)
                f = c1 + rnd.randrange(150, 900)
                e = "HTTP 400 21614 'To' number is not a valid mobile number"
                hist.append(("failed", e, "dispatch", f))
                status_at.append((f, "failed", None, e))
            else:
                if fate == "retry":
                    claims.append(c1)
                    f = c1 + rnd.randrange(200, 20000)
                    e = "HTTP 429 20429 Too Many Requests" if rnd.random() < 0.7 else "HTTP 503 Service Unavailable"
                    due = f + 5000
                    hist.append(("retrying", e, "dispatch", f))
                    status_at.append((f, "retrying", None, e, due))
                    c1 = due + rnd.randrange(50, 3000)
                claims.append(c1)
                sid = "SM" + self.hex(128)
                a = c1 + rnd.randrange(150, 900)
                hist.append(("accepted", sid, "dispatch", a))
                status_at.append((a, "accepted", sid, None))
                s = a + rnd.randrange(100, 3000)
                hist.append(("sent", None, "provider", s))
                status_at.append((s, "sent", sid, None))
                d = s + rnd.randrange(1000, 40000)
                if fate == "undelivered":
                    e = "Twilio error 30003"
                    hist.append(("undelivered", e, "provider", d))
                    status_at.append((d, "undelivered", sid, e))
                else:
                    hist.append(("delivered", None, "provider", d))
                    status_at.append((d, "delivered", sid, None))
        # what happened by --now: each claim makes the row `sending`, each answer sets its status
        timeline = [(c, None) for c in claims] + status_at
        timeline.sort(key=lambda x: x[0])
        status, attempts, claimed, updated, lease = "pending", 0, None, t, None
        for x in timeline:
            if x[0] > now:
                break
            if x[1] is None:  # store::dispatch::claim_all
                attempts += 1
                claimed = x[0]
                status, updated, lease, next_attempt = "sending", x[0], x[0] + 60_000, None
            else:  # finish_attempt / provider_report
                status, updated, lease = x[1], x[0], None
                if x[2]:
                    provider = x[2]
                err = x[3]
                next_attempt = ts(x[4]) if x[1] == "retrying" else None
        # the row
        self.rows["outbox"].append((
            oid, app["number"], seq, pos, "sms", template, to, body, status, attempts,
            ts(lease) if lease else None, provider, err, resend_of, created_by, ts(t), ts(updated),
            None, ts(claimed) if claimed else None, None, next_attempt, fallback_of))
        MH = self.rows["message_status_history"]
        for h in hist:
            if h[3] <= now:
                MH.append((self.next_id("message_status_history"), oid, h[0], h[1], h[2], ts(h[3])))
        if status == "failed" and fate == "wa_fallback":
            fb_at = claims[0]
            if fb_at <= now:
                self.sms(app, seq, pos, template, body, fb_at, recipient=to[len("whatsapp:"):], fallback_of=oid)
        elif status in ("undelivered", "failed") and resend_of is None and rnd.random() < 0.3:
            at = self.office(updated + rnd.randrange(HOUR, 30 * HOUR))
            if at <= now:
                sid = self.pick("front_office") if rnd.random() < 0.6 else self.pick("pickup_counter")
                self.sms(app, seq, pos, template, body, at, recipient=to.replace("whatsapp:", ""),
                         resend_of=oid, created_by=sid)
        return oid, status

    def app_sms(self, app, seq, pos, template, t, body=None):
        to = ("whatsapp:" + app["who"]["phone"]) if app["whatsapp"] else None
        return self.sms(app, seq, pos, template, body or sms_text(template, app["number"], self.base), t,
                        recipient=to)

    def courier_leg(self, app, seq, pos, leg, t, fee, cod, address):
        """A courier outbox row (its fee enters the ledger as expected); returns (outbox id, accepted at)."""
        rnd = self.rnd
        now = self.now
        who = app["who"]
        oid = self.next_id("outbox")
        body = ('{"address":%s,"cod_amount":%d,"fee":%d,"leg":"%s","name":%s,"phone":"%s",'
                '"registration_number":"%s","village_code":"%s"}') % (
            js(address), cod, fee, leg, js(who["name"]), who["phone"], app["number"], who["village"]["code"])
        claim = t + rnd.randrange(300, 2500)
        acc = claim + rnd.randrange(5, 80)
        order = self.hex(96)
        if acc <= now:
            self.rows["outbox"].append((
                oid, app["number"], seq, pos, "courier", leg, "pos_indonesia", body, "accepted", 1, None, order,
                None, None, None, ts(t), ts(acc), None, ts(claim), None, None, None))
            self.rows["message_status_history"].append(
                (self.next_id("message_status_history"), oid, "accepted", order, "dispatch", ts(acc)))
        elif claim <= now:
            self.rows["outbox"].append((
                oid, app["number"], seq, pos, "courier", leg, "pos_indonesia", body, "sending", 1,
                ts(claim + 60_000), None, None, None, None, ts(t), ts(claim), None, ts(claim), None, None, None))
        else:
            self.rows["outbox"].append((
                oid, app["number"], seq, pos, "courier", leg, "pos_indonesia", body, "pending", 0, None, None,
                None, None, None, ts(t), ts(t), None, None, None, None, None))
        fee_id = self.next_id("fees")
        fee_row = {"id": fee_id, "outbox": oid, "leg": leg, "amount": max(fee, cod), "status": "expected",
                   "collected": None, "day": wib_day(t), "collected_day": None, "created": t, "updated": t}
        ship = None
        if acc <= now:
            ship = {"id": self.next_id("shipments"), "outbox": oid, "leg": leg, "order": order,
                    "waybill": "P%012d" % rnd.randrange(10 ** 12), "status": "created", "cod": cod, "fee": fee,
                    "created": acc + rnd.randrange(1, 6), "updated": None, "events": [], "hist": []}
            ship["updated"] = ship["created"]
        return {"outbox": oid, "accepted": acc, "fee": fee_row, "ship": ship}

    def report(self, leg_info, status_word, ours, occurred):
        """A courier report (Biteship order.status) received shortly after it happened; returns its time or None."""
        ship = leg_info["ship"]
        if ship is None:
            return None
        recv = occurred + self.rnd.randrange(150, 4000)
        if recv > self.now:
            return None
        fee_c = cod_c = None
        if ship["leg"] == "pickup_documents" and ours == "picked" and ship["fee"] > 0:
            fee_c = ship["fee"]
        if ship["leg"] != "pickup_documents" and ours == "delivered" and ship["cod"] > 0:
            cod_c = ship["cod"]
        ship["events"].append((f"{ship['order']}:{status_word}", ship["id"], ours, cod_c, fee_c, ts(occurred), ts(recv)))
        ship["hist"].append((recv, ours))
        ship["status"] = ours
        ship["updated"] = recv
        f = leg_info["fee"]
        if fee_c is not None and f["status"] == "expected":
            self.settle(f, "collected", recv)
        return recv

    def settle(self, fee_row, status, at):
        if fee_row["status"] != "expected":
            return
        fee_row["status"] = status
        fee_row["updated"] = at
        if status == "collected":
            fee_row["collected"] = fee_row["amount"]
            fee_row["collected_day"] = wib_day(at)

    def flush_leg(self, app, leg_info):
        f = leg_info["fee"]
        self.rows["fees"].append((f["id"], app["number"], f["outbox"], f["leg"], f["amount"], f["status"],
                                  f["collected"], f["day"], f["collected_day"], ts(f["created"]), ts(f["updated"])))
        ship = leg_info["ship"]
        if ship is not None:
            self.rows["shipments"].append((ship["id"], ship["outbox"], app["number"], ship["leg"], ship["order"],
                                           ship["waybill"], ship["status"], ship["cod"], ship["fee"],
                                           ts(ship["created"]), ts(ship["updated"])))
            self.rows["shipment_events"].extend(ship["events"])
            self.poll(ship)

    def poll(self, ship):
        """provider_polls: the cron asks the courier about an order whose report is more than 30 minutes
        late (store::recover::stuck_orders, POLL_AFTER_SECONDS=1800, doubling to a day, 12 polls at most);
        over a leg's life that is nearly every pickup and delivery order. Return legs are never polled."""
        leg = ship["leg"]
        if leg == "return_documents":
            return
        if leg == "deliver_documents":
            stuck = lambda s: s not in ("delivered", "returned", "failed")
        else:
            stuck = lambda s: s in ("created", "picking_up")
        rnd = self.rnd
        now = self.now
        changes = ship["hist"]
        state, updated, j = "created", ship["created"], 0
        polls, last, nxt, answer = 0, None, None, None
        while polls < 12:
            limit = changes[j][0] if j < len(changes) else now + 1
            due = None
            if stuck(state):
                due = updated + 30 * MINUTE
                if nxt is not None and nxt > due:
                    due = nxt
                due += rnd.randrange(0, 60_000)
            if due is None or due >= limit:
                if j >= len(changes):
                    break
                state, updated = changes[j][1], changes[j][0]
                j += 1
                continue
            polls += 1
            last = due
            nxt = due + min(1800 * (1 << (polls - 1)), 86400) * 1000
            answer = BITESHIP_WORD.get(state, state)
        if polls:
            self.rows["provider_polls"].append((ship["outbox"], polls, ts(last), ts(nxt), answer, None, None, None))

    def life(self, app, t0, cancel_at, resub):
        legs = []
        try:
            return self._life(app, t0, cancel_at, resub, legs)
        finally:
            for leg in legs:
                self.flush_leg(app, leg)
            self.uploads(app, t0)
            self.status_checks(app, t0)

    def _life(self, app, t0, cancel_at, resub, legs):
        rnd = self.rnd
        now = self.now
        number = app["number"]
        ev = self.event

        # c. submit
        op = app["operator"]
        ev(app, t0, "submit", "village_operator" if op else "citizen", op, "submitted")
        self.app_sms(app, 1, 0, "registration_received", t0)

        # d. front office: accept (SIAK) or cancel
        t = self.office(self.later(t0, 1, 40, 1.6))
        if t > now:
            return None
        if cancel_at == "submitted":
            return self.cancel(app, t, "front_office", legs, resub_possible=True)
        siak = f"SIAK-{wib_day(t).replace('-', '')}-{rnd.randrange(1, 9999):04d}"
        app["siak"] = siak
        ev(app, t, "accept", "front_office", self.pick("front_office"), "awaiting_validation",
           details='{"siak_reference":"%s"}' % siak)

        # e/f. validator: approve (SMS + courier pickup + fee) or cancel
        t = self.office(self.later(t, 1, 30, 1.5))
        if t > now:
            return None
        if cancel_at == "awaiting_validation":
            return self.cancel(app, t, "validator", legs, resub_possible=True)
        seq = ev(app, t, "approve", "validator", self.pick("validator"), "awaiting_documents")
        self.app_sms(app, seq, 0, "approved_send_documents", t)
        pickup = self.courier_leg(app, seq, 1, "pickup_documents", t, FEE, 0, app["address"])
        legs.append(pickup)
        t_approve = t

        # the courier fetches the papers
        never = cancel_at == "awaiting_documents" and rnd.random() < 0.8
        t_pick = self.courier_clock(self.later(t, 20, 110, 1.4))
        t_picked = t_pick + rnd.randrange(40 * MINUTE, 5 * HOUR)
        if never:
            # The citizen never sent the papers: the counter cancels after weeks.
            if rnd.random() < 0.5:
                self.report(pickup, "picking_up", "picking_up", t_pick)
            t = self.office(t_approve + rnd.randrange(14, 31) * DAY)
            if t > now:
                return None
            return self.cancel(app, t, "pickup_counter", legs, pickup=pickup, picked=False)
        self.report(pickup, "picking_up", "picking_up", t_pick)
        got = self.report(pickup, "picked", "picked", t_picked)
        if got is None:
            return None
        if cancel_at == "awaiting_documents":
            t = self.office(t_picked + rnd.randrange(2, 20) * HOUR)
            if t > now:
                return None
            return self.cancel(app, t, "pickup_counter", legs, pickup=pickup, picked=True)

        # g. the counter receives the papers
        t = self.office(self.later(t_picked, 18, 60, 1.2))
        if t > now:
            return None
        counter = self.pick("pickup_counter")
        seq = ev(app, t, "receive_documents", "pickup_counter", counter, "in_production")
        app["received"] = (t, counter)
        app["papers"] = "at_agency"
        self.app_sms(app, seq, 0, "documents_received", t)
        self.settle(pickup["fee"], "collected", t)  # FeeChange::Collected (if the report did not)

        # h. production: corrections, drafts
        t = self.office(self.later(t, 2, 60, 1.5))
        if t > now:
            return None
        if rnd.random() < 0.06:
            self.correct(app, t)
            t = t + rnd.randrange(2 * MINUTE, 40 * MINUTE)
        if rnd.random() < 0.015:
            t = self.office(t)
            if t > now:
                return None
            self.change_delivery(app, t)
            t = t + rnd.randrange(2 * MINUTE, 60 * MINUTE)
        if cancel_at == "in_production":
            t = self.office(t)
            if t > now:
                return None
            return self.cancel(app, t, "production", legs)
        for p in app["products"]:
            t = self.office(t)
            if t > now:
                return None
            self.attach(app, t, p)
            t += rnd.randrange(3 * MINUTE, 20 * MINUTE)

        returns = 2 if rnd.random() < 0.003 else (1 if rnd.random() < 0.03 else 0)
        while True:
            t = self.office(t + rnd.randrange(2 * MINUTE, 40 * MINUTE))
            if t > now:
                return None
            ev(app, t, "request_signature", "production", self.pick("production"), "awaiting_signature_validation")
            # i. validator validates every product (or sends it back)
            t = self.office(self.later(t, 1, 40, 1.5))
            if t > now:
                return None
            if returns:
                returns -= 1
                if rnd.random() < 0.8:
                    self.send_back(app, t, "validator")
                else:
                    v = self.pick("validator")
                    self.validate(app, t, v)
                    t = self.office(self.later(t, 2, 50, 1.5))
                    if t > now:
                        return None
                    self.send_back(app, t, "head_of_agency")
                t = self.office(self.later(t, 1, 30, 1.5))
                if t > now:
                    return None
                self.attach(app, t, rnd.choice(app["products"]))
                continue
            self.validate(app, t, self.pick("validator"))
            break

        # j. the head of agency signs every product (one request, one event each)
        t = self.office(self.later(t, 2, 70, 1.5))
        if t > now:
            return None
        head = self.pick("head_of_agency")
        for i, p in enumerate(app["products"]):
            last = i == len(app["products"]) - 1
            code = self.new_code()
            key = f"products/{number}/{p}/signed-{self.hex(128)}"
            sha = self.hex(256)
            st = app["product_state"][p]
            size = st["size"] + rnd.randrange(18_000, 42_000)
            self.rows["signatures"].append([code, number, p, st["doc"], key, sha, size, ts(t), head, None, None,
                                            None, None])
            st["signed"] = code
            st["sig_row"] = self.rows["signatures"][-1]
            app["product_updated"] = t
            ev(app, t, "sign", "head_of_agency", head, "ready_to_print" if last else "awaiting_signature",
               details='{"product":"%s","sha256":"%s","verification_code":"%s"}' % (PRODUCT_LABEL[p], sha, code))

        # k/m. production prints; the documents go by the method chosen
        t = self.office(self.later(t, 1, 40, 1.5))
        if t > now:
            return None
        prod = self.pick("production")
        method = app["method"]
        if method == "pickup":
            seq = ev(app, t, "mark_printed", "production", prod, "ready_for_pickup")
            self.app_sms(app, seq, 0, "ready_for_pickup", t)
            return self.hand_over(app, t)
        if method == "self_print":
            token = base64.urlsafe_b64encode(self.rnd.getrandbits(128).to_bytes(16, "big")).rstrip(b"=").decode()
            token_hash = hashlib.sha256(token.encode()).hexdigest()
            self.rows["download_links"].append((token_hash, number, ts(t), ts(t + 30 * DAY), None))
            seq = ev(app, t, "mark_printed", "production", prod, "ready_for_download")
            body = f"{SENDER}: dokumen {number} selesai. Unduh & cetak di {self.base}/cetak/{token} (30 hari)"
            self.app_sms(app, seq, 0, "ready_for_download", t, body=body)
            return self.self_print(app, t, token_hash)
        seq = ev(app, t, "mark_printed", "production", prod, "out_for_delivery")
        self.app_sms(app, seq, 0, "out_for_delivery", t)
        address = app["delivery_address"] or app["address"]
        deliver = self.courier_leg(app, seq, 1, "deliver_documents", t, FEE, FEE, address)
        legs.append(deliver)
        return self.delivery(app, t, deliver)

    def hand_over(self, app, t):
        rnd = self.rnd
        t = self.office(self.later(t, 4, 400, 1.8))
        if t > self.now:
            return None
        who = app["who"]
        if rnd.random() < 0.8:
            name, nik = who["name"], who["nik"]
        else:
            other = self.person(t)
            name, nik = other["name"], other["nik"]
        masked = nik[:4] + "********" + nik[-4:]
        self.event(app, t, "hand_over", "pickup_counter", self.pick("pickup_counter"), "completed",
                   details='{"collector_name":%s,"collector_nik":"%s"}' % (js(name), masked))
        app["closed_at"] = t
        return None

    def delivery(self, app, t, deliver):
        rnd = self.rnd
        now = self.now
        ship = deliver["ship"]
        if ship is None:
            return None
        t1 = self.courier_clock(self.later(deliver["accepted"], 10, 40))
        if self.report(deliver, "dropping_off", "in_transit", t1) is None:
            return None
        t2 = self.courier_clock(self.later(t1, 5, 70, 1.5))
        returned = rnd.random() < 0.05
        if returned:
            word, ours = ("returned", "returned") if rnd.random() < 0.7 else ("rejected", "failed")
        else:
            word, ours = "delivered", "delivered"
        by_counter = not returned and rnd.random() < 0.04
        if by_counter:
            # The report never came: the counter records the courier's receipt.
            tc = self.office(t2 + rnd.randrange(2, 48) * HOUR)
            if tc > now:
                return None
            self.event(app, tc, "record_delivered", "pickup_counter", self.pick("pickup_counter"), "completed",
                       details='{"receipt":"%s"}' % ship["waybill"])
            self.settle(deliver["fee"], "collected", tc)
            app["closed_at"] = tc
            # the courier's report, late: recorded, nothing else changes (already settled at the counter)
            self.report(deliver, "delivered", "delivered", tc + rnd.randrange(HOUR, 6 * HOUR))
            return None
        got = self.report(deliver, word, ours, t2)
        if got is None:
            return None
        if returned:
            seq = self.event(app, got, "record_returned", "courier", None, "ready_for_pickup")
            self.app_sms(app, seq, 0, "delivery_returned", got)
            self.settle(deliver["fee"], "void", got)
            return self.hand_over(app, got)
        self.event(app, got, "record_delivered", "courier", None, "completed",
                   details='{"receipt":"%s"}' % ship["waybill"])
        self.settle(deliver["fee"], "collected", got)
        app["closed_at"] = got
        return None

    def self_print(self, app, t, token_hash):
        rnd = self.rnd
        now = self.now
        number = app["number"]
        if rnd.random() < 0.1:
            tc = self.office(self.later(t, 2, 200, 1.5))
            if tc > now:
                return None
            self.event(app, tc, "record_downloaded", "pickup_counter", self.pick("pickup_counter"), "completed")
            app["closed_at"] = tc
            return None
        tc = self.citizen(self.later(t, 0.3, 72, 1.6))
        codes = 2 if rnd.random() < 0.12 else 1
        for i in range(codes):
            if tc > now:
                return None
            code = "%06d" % rnd.randrange(10 ** 6)
            used = i == codes - 1
            at_use = tc + rnd.randrange(40_000, 5 * MINUTE)
            dc_id = self.next_id("download_codes")
            session = hashlib.sha256(self.hex(256).encode()).hexdigest() if used and at_use <= now else None
            self.rows["download_codes"].append((
                dc_id, token_hash, hashlib.sha256(f"{token_hash}:{code}".encode()).hexdigest(), ts(tc),
                ts(tc + 10 * MINUTE), 1 if session else 0, ts(at_use) if session else None, session,
                ts(at_use + 30 * MINUTE) if session else None))
            body = (f"{SENDER}: kode unduh dokumen {number}: {code}. Berlaku 10 menit. "
                    "Jangan berikan kepada siapa pun, termasuk petugas.")
            self.sms(app, None, 0, "download_code", body, tc)
            if not used:
                tc = tc + rnd.randrange(11 * MINUTE, 3 * HOUR)
            else:
                tc = at_use
        if tc > now:
            return None
        t_dl = tc
        for p in app["products"]:
            t_dl += rnd.randrange(5_000, 90_000)
            if t_dl > now:
                return None
            app["product_state"][p]["sig_row"][12] = ts(t_dl)
        self.event(app, t_dl, "record_downloaded", "citizen", None, "completed")
        app["closed_at"] = t_dl
        return None

    def attach(self, app, t, p):
        rnd = self.rnd
        number = app["number"]
        st = app["product_state"].get(p)
        if st is None:
            subj = app["subject"]
            born = subj["birth_date"]
            if p in ("birth_certificate", "birth_register"):
                d = wib_day(t)
                doc = f"3312-{'LT' if p == 'birth_certificate' else 'RG'}-{d[8:10]}{d[5:7]}{d[0:4]}-{rnd.randrange(1, 9999):04d}"
            elif p == "family_card":
                doc = subj["family_card_number"]
            else:
                doc = subj["nik"] or self.nik(app["who"]["village"]["kk"],
                                              dt.date.fromisoformat(born) if born else dt.date(2020, 1, 1),
                                              subj["sex"] == "female")
                subj["nik"] = subj["nik"] or doc
            st = app["product_state"][p] = {"doc": doc, "validated": False, "signed": None}
        st["key"] = f"products/{number}/{p}/draft-{self.hex(128)}"
        st["sha"] = self.hex(256)
        st["size"] = rnd.randrange(60_000, 320_000)
        st["validated"] = False
        st["signed"] = None
        app["product_updated"] = t
        self.event(app, t, "attach_draft", "production", self.pick("production"), "in_production",
                   details='{"document_number":"%s","product":"%s","sha256":"%s"}' % (st["doc"], PRODUCT_LABEL[p], st["sha"]))

    def validate(self, app, t, validator):
        labels = ", ".join(PRODUCT_LABEL[p] for p in app["products"])
        for p in app["products"]:
            app["product_state"][p]["validated"] = True
        app["product_updated"] = t
        self.event(app, t, "validate_signature", "validator", validator, "awaiting_signature",
                   details='{"product":"%s"}' % labels)

    def send_back(self, app, t, role):
        for st in app["product_state"].values():
            st["validated"] = False
            st["signed"] = None
        app["product_updated"] = t
        self.event(app, t, "return_to_production", role, self.pick(role), "in_production",
                   reason=self.rnd.choice(RETURN_REASONS))

    def correct(self, app, t):
        rnd = self.rnd
        subj = app["subject"]
        opts = []
        if subj["birth_place"]:
            opts.append("subject.birth_place")
        if subj["mother_name"]:
            opts.append("subject.mother_name")
        if subj["father_name"]:
            opts.append("subject.father_name")
        if subj["sex"]:
            opts.append("subject.name")
        opts.append("applicant.address")
        field = rnd.choice(opts)
        if field == "applicant.address":
            before = app["address"]
            i = before.find(" RT ")
            rt = int(before[i + 4:i + 7]) if i >= 0 else 0
            new = rt + 1 if rt < 9 else rt - 1
            after = before[:i + 4] + f"{new:03d}" + before[i + 7:] if i >= 0 else before + " (dekat balai desa)"
            app["address"] = after
        else:
            key = field.split(".", 1)[1]
            before = subj[key]
            if key == "birth_place":
                after = "Kabupaten Wonogiri" if before != "Kabupaten Wonogiri" else "Wonogiri"
            else:
                parts = before.split(" ")
                if len(parts) > 1:
                    after = parts[0] + " " + rnd.choice(FEMALE_SECOND if key == "mother_name" else MALE_SECOND
                                                        if key == "father_name" else CHILD_LAST_BOY)
                else:
                    after = before + " " + rnd.choice(FEMALE_SECOND if key == "mother_name" else MALE_SECOND)
                if after == before:
                    after = before + " Putra"
            subj[key] = after
        changes = '[{"field":"%s","before":%s,"after":%s}]' % (field, js(before), js(after))
        self.event(app, t, "correct", "production", self.pick("production"), "in_production", changes=changes)

    def change_delivery(self, app, t):
        rnd = self.rnd
        def show(m, a):
            return m + (f": {a}" if a else "")
        before = show(app["method"], app["delivery_address"])
        if app["method"] == "pos":
            method, address = "pickup", None
        else:
            method = "pos"
            address = (f"{rnd.choice(STREETS)} No. {rnd.randrange(1, 200)}, {rnd.choice(DUSUN)}, Wonogiri"
                       if rnd.random() < 0.5 else None)
        after = show(method, address)
        app["method"], app["delivery_address"] = method, address
        role = rnd.choice(["front_office", "pickup_counter", "production"])
        self.event(app, t, "change_delivery_method", role, self.pick(role), app["status"],
                   changes='[{"field":"delivery_method","before":%s,"after":%s}]' % (js(before), js(after)))

    def cancel(self, app, t, role, legs, pickup=None, picked=False, resub_possible=False):
        """A cancellation and what follows it: the pickup cancelled, the papers sent back."""
        rnd = self.rnd
        now = self.now
        status = app["status"]
        reason = rnd.choice(CANCEL_REASONS[status])
        effects_sms_pos = 0
        details = None
        ret = None
        how = None
        if status in ("awaiting_documents", "in_production"):
            # effect 0: the pickup fee, if still expected, is void
            effects_sms_pos = 1
            if status == "awaiting_documents":
                how = "not_received"
                details = '{"papers_return":"%s"}' % PAPERS_RETURN_LABEL[how]
                effects_sms_pos = 2
            else:
                how = "pos" if rnd.random() < 0.7 else "counter"
                details = '{"papers_return":"%s"}' % PAPERS_RETURN_LABEL[how]
                effects_sms_pos = 2 if how == "pos" else 1
        staff = self.pick(role)
        seq = self.event(app, t, "cancel", role, staff, "cancelled", reason=reason, details=details)
        app["closed_at"] = t
        for leg in legs:
            if leg["fee"]["leg"] == "pickup_documents":
                self.settle(leg["fee"], "void", t)
        if status == "awaiting_documents":
            self.cancel_pickup(app, seq, t, pickup, picked)
        elif how == "pos":
            app["papers"] = "returning_by_pos"
            ret = self.courier_leg(app, seq, 1, "return_documents", t, 0, 0, app["delivery_address"] or app["address"])
            legs.append(ret)
        elif how == "counter":
            app["papers"] = "at_counter"
        body = cancelled_text(app["number"], reason, self.base)
        self.app_sms(app, seq, effects_sms_pos, "cancelled", t, body=body)
        if ret is not None and ret["ship"] is not None:
            t1 = self.courier_clock(self.later(ret["accepted"], 10, 40))
            if self.report(ret, "dropping_off", "in_transit", t1) is not None:
                t2 = self.courier_clock(self.later(t1, 5, 70, 1.5))
                got = self.report(ret, "delivered", "delivered", t2)
                if got is not None:
                    self.event(app, got, "return_papers", "courier", None, "cancelled",
                               details='{"receipt":"%s"}' % ret["ship"]["waybill"])
                    self.settle(ret["fee"], "collected", got)
                    app["papers"] = "returned"
        elif app["papers"] == "at_counter":
            tr = self.office(self.later(t, 20, 400, 1.5))
            if tr <= now:
                who = app["who"]
                masked = who["nik"][:4] + "********" + who["nik"][-4:]
                self.event(app, tr, "return_papers", "pickup_counter", self.pick("pickup_counter"), "cancelled",
                           details='{"collector_name":%s,"collector_nik":"%s"}' % (js(who["name"]), masked))
                app["papers"] = "returned"
        if resub_possible and rnd.random() < 0.4:
            at = self.citizen(t + rnd.randrange(12 * HOUR, 10 * DAY))
            if at <= now:
                return {"from": app["number"], "who": app["who"], "channel": app["channel"], "at": at,
                        "services": app["services"]}
        return None

    def cancel_pickup(self, app, seq, t, pickup, picked):
        """The courier row that cancels the pickup order, as dispatch::consumers settles it."""
        rnd = self.rnd
        now = self.now
        oid = self.next_id("outbox")
        body = '{"leg":"pickup_documents","registration_number":"%s"}' % app["number"]
        claim = t + rnd.randrange(300, 2500)
        done = claim + rnd.randrange(200, 1500)
        if done > now:
            self.rows["outbox"].append((oid, app["number"], seq, 1, "courier", "cancel_pickup_documents",
                                        "pos_indonesia", body, "pending", 0, None, None, None, None, None,
                                        ts(t), ts(t), None, None, None, None, None))
            return
        if picked:
            note = "the courier already had the papers: they wait at the Loket Pengambilan"
            app["papers"] = "at_counter"
            app["updated_at"] = max(app["updated_at"], done)
        elif pickup["ship"] is not None:
            note = "pickup order cancelled with the courier"
            self.report(pickup, "cancelled", "cancelled", done + rnd.randrange(100, 2000))
        else:
            note = "the pickup never reached the courier; stopped"
        self.rows["outbox"].append((oid, app["number"], seq, 1, "courier", "cancel_pickup_documents",
                                    "pos_indonesia", body, "delivered", 1, None, None, None, None, None,
                                    ts(t), ts(done), None, ts(claim), None, None, None))
        self.rows["message_status_history"].append(
            (self.next_id("message_status_history"), oid, "delivered", note, "dispatch", ts(done)))

    def uploads(self, app, t0):
        """Citizens' (or the operator's) photos of the papers; kept while retention keeps them."""
        rnd = self.rnd
        if rnd.random() >= 0.4:
            return
        closed = app["closed_at"]
        keep = closed is None or closed >= self.upload_cutoff
        n = 1 if rnd.random() < 0.5 else (2 if rnd.random() < 0.6 else 3)
        items = list(app["items"])
        rnd.shuffle(items)
        t = self.citizen(t0 + rnd.randrange(2 * MINUTE, 30 * HOUR))
        end = closed if closed is not None else self.now
        fo_reads = rnd.random() < 0.5
        for item in items[:n]:
            if t > end or t > self.now:
                break
            if keep:
                d = wib_day(t)
                stamp = ts(t)
                fmt = rnd.choice(UPLOAD_NAMES)
                name = fmt.format(d=d.replace("-", ""), t=stamp[11:19].replace(":", ""), d2=d,
                                  t2=stamp[11:19].replace(":", "."), item=item)
                ctype = "application/pdf" if name.endswith(".pdf") else "image/jpeg"
                self.rows["documents"].append((
                    self.next_id("documents"), app["number"], item,
                    f"applications/{app['number']}/{self.hex(128)}", name, ctype,
                    rnd.randrange(90_000, 2_600_000), self.hex(256), app["operator"], stamp))
            if fo_reads:
                at = t + rnd.randrange(HOUR, 30 * HOUR)
                if self.log_cutoff <= at <= self.now:
                    self.access(self.pick("front_office"), "front_office", app["number"], "document", at)
            t += rnd.randrange(30_000, 20 * MINUTE)

    def status_checks(self, app, t0):
        """Citizens checking their status (tracking page / API): access log and the address counter."""
        rnd = self.rnd
        r = rnd.random()
        n = 0 if r < 0.35 else 1 if r < 0.65 else 2 if r < 0.85 else 3 if r < 0.95 else 5
        end = min(app["closed_at"] or self.now, self.now) + 2 * DAY
        span = max(end - t0, HOUR)
        for _ in range(n):
            at = self.citizen(t0 + int(span * rnd.random()))
            if at > self.now:
                continue
            if at >= self.log_cutoff:
                self.rows["access_log"].append((self.next_id("access_log"), None, "citizen", app["number"],
                                                "status", ts(at), "read"))
            self.rate_hit("track", app["who"]["ip"] if rnd.random() < 0.5 else self.ip(), at)



# ---------------------------------------------------------------- tables

TABLE_ORDER = ["applications", "application_services", "requirement_checks", "events", "outbox",
               "message_status_history", "shipments", "shipment_events", "fees", "products", "signatures",
               "download_links", "download_codes", "access_log", "documents", "provider_polls",
               "idempotency_keys", "rate_limits"]

INSERT = {
    "applications": ("registration_number, status, version, awaiting_role, status_since, applicant_nik, "
                     "applicant_name, applicant_phone, applicant_address, village_code, subject_json, "
                     "delivery_method, delivery_address, channel, siak_reference, submitted_by, created_at, "
                     "updated_at, resubmitted_from, papers, notify_channel", 21),
    "application_services": ("registration_number, service", 2),
    "requirement_checks": ("registration_number, item, submitted, received_at, received_by", 5),
    "events": ("registration_number, seq, action, actor_id, actor_role, from_status, to_status, reason, "
               "changes_json, details_json, created_at", 11),
    "outbox": ("id, registration_number, event_seq, position, channel, template, recipient, body, status, "
               "attempts, lease_until, provider_id, last_error, resend_of, created_by, created_at, updated_at, "
               "complaint_ticket, claimed_at, doubt_since, next_attempt_at, fallback_of", 22),
    "message_status_history": ("id, outbox_id, status, detail, source, created_at", 6),
    "shipments": ("id, outbox_id, registration_number, leg, order_id, waybill, status, cod_amount, fee_amount, "
                  "created_at, updated_at", 11),
    "shipment_events": ("event_id, shipment_id, status, cod_collected, fee_collected, occurred_at, received_at", 7),
    "fees": ("id, registration_number, outbox_id, leg, amount, status, collected_amount, expected_day, "
             "collected_day, created_at, updated_at", 11),
    "products": ("registration_number, kind, document_number, draft_key, draft_sha256, draft_size, validated, "
                 "signed_code, updated_at", 9),
    "signatures": ("code, registration_number, kind, document_number, object_key, sha256, size, signed_at, "
                   "signed_by, replaced_at, replaced_by, revoked_at, downloaded_at", 13),
    "download_links": ("token_hash, registration_number, created_at, expires_at, revoked_at", 5),
    "download_codes": ("id, token_hash, code_hash, created_at, expires_at, attempts, used_at, session_hash, "
                       "session_expires_at", 9),
    "access_log": ("id, staff_id, actor_role, registration_number, what, created_at, outcome", 7),
    "documents": ("id, registration_number, item, object_key, filename, content_type, size, sha256, uploaded_by, "
                  "created_at", 10),
    "provider_polls": ("outbox_id, polls, last_polled_at, next_poll_at, last_answer, recovered_status, "
                       "recovered_at, fee_recovered_at", 8),
    "idempotency_keys": ("key_hash, body_sha256, registration_number, response_json, created_at", 5),
    "rate_limits": ("bucket, key, hits, window_started", 4),
}
ID_TABLES = ["outbox", "message_status_history", "shipments", "fees", "access_log", "documents", "download_codes"]
GUARD_TRIGGERS = ("events_are_append_only_update", "events_are_append_only_delete",
                  "events_follow_the_application_version")


def sql_for(table):
    cols, n = INSERT[table]
    qs = ",".join("?" * n)
    if table == "rate_limits":
        return (f"INSERT INTO rate_limits ({cols}) VALUES ({qs}) ON CONFLICT (bucket, key) DO UPDATE SET "
                "hits = 1, window_started = max(window_started, excluded.window_started)")
    return f"INSERT INTO {table} ({cols}) VALUES ({qs})"


SORTED = {  # WITHOUT ROWID tables: each chunk goes in key order (the keys themselves stay random)
    "applications": lambda r: r[0], "application_services": lambda r: (r[0], r[1]),
    "requirement_checks": lambda r: (r[0], r[1]), "events": lambda r: (r[0], r[1]),
    "products": lambda r: (r[0], r[1]), "signatures": lambda r: r[0], "shipment_events": lambda r: r[0],
    "download_links": lambda r: r[0], "idempotency_keys": lambda r: r[0], "rate_limits": lambda r: (r[0], r[1]),
}


def take_rows(gen):
    """The rows generated since the last call, table by table, ready for executemany."""
    out = []
    for name in TABLE_ORDER:
        if name == "rate_limits":
            rows = [(b, k, h, ts(w)) for (b, k, h, w) in gen.rate.values()]
            gen.rate = {}
        else:
            rows = gen.rows[name]
            gen.rows[name] = []
            if name == "signatures":
                rows = [tuple(r) for r in rows]
        if rows:
            key = SORTED.get(name)
            if key is not None:
                rows.sort(key=key)
            out.append((name, rows))
    return out


def produce(args, now, staff, villages, ids, existing_numbers, emit):
    """Generates every application, handing over the rows chunk by chunk: emit(made, rows)."""
    gen = Gen(args, now, staff, villages, ids, existing_numbers)
    gen.reserve_numbers(args.applications)
    n = args.applications
    rnd = gen.rnd
    step = gen.span / n
    made = 0
    pending = []
    tail = min(5, n)  # the very newest submissions: the newest outbox rows are still pending
    while made < n:
        if pending:
            resub = pending.pop()
            r = gen.make(resub["at"], resub)
        else:
            # the position in time follows the count made (resubmissions included), so the
            # submissions end at --now whatever their number
            if made >= n - tail:
                t = now - (n - made) * (600 + rnd.randrange(1400))
            else:
                base = gen.start + int((made + rnd.random()) * step)
                d = (base + WIB) // DAY
                t = d * DAY + int(rnd.triangular(5.5, 22.5, 10.0) * HOUR) - WIB
                if t >= now:
                    t = now - rnd.randrange(60_000, 3_600_000)
            r = gen.make(t)
        made += 1
        if r is not None and made + len(pending) < n:
            pending.append(r)
        if made % args.chunk == 0 or made == n:
            emit(made, take_rows(gen))


def producer_process(queue, args, now, staff, villages, ids, existing_numbers):
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        produce(args, now, staff, villages, ids, existing_numbers, lambda made, rows: queue.put(("rows", made, rows)))
        queue.put(("done", None, None))
    except BaseException:
        import traceback
        queue.put(("error", None, traceback.format_exc()))


def chunks(args, now, staff, villages, ids, existing_numbers):
    """(made, rows) chunk by chunk: from a forked generator process (the inserts run meanwhile in
    this one), or in this process with --workers 0."""
    if args.workers == 0:
        out = []
        produce(args, now, staff, villages, ids, existing_numbers, lambda made, rows: out.append((made, rows)))
        # not lazily: keep it simple for small runs and debugging
        yield from out
        return
    import multiprocessing as mp
    import queue as queue_mod
    ctx = mp.get_context("fork")
    q = ctx.Queue(maxsize=4)
    proc = ctx.Process(target=producer_process, args=(q, args, now, staff, villages, ids, existing_numbers),
                       daemon=True)
    proc.start()
    try:
        while True:
            try:
                kind, made, rows = q.get(timeout=5)
            except queue_mod.Empty:
                if not proc.is_alive():
                    raise RuntimeError(f"the generator process died (exit code {proc.exitcode})")
                continue
            if kind == "error":
                raise RuntimeError("the generator process failed:\n" + rows)
            if kind == "done":
                break
            yield made, rows
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)


# ---------------------------------------------------------------- main

PROFILE = {} if os.environ.get("SCALE_SEED_PROFILE") else None


def foreign_key_check(path, out):
    """PRAGMA foreign_key_check on its own connection: 'ok' or the first violations."""
    try:
        c = sqlite3.connect(path)
        c.execute("PRAGMA cache_size = -2097152")
        rows = c.execute("PRAGMA foreign_key_check").fetchmany(20)
        c.close()
        out.send("ok" if not rows else f"{len(rows)}{'+' if len(rows) == 20 else ''} violations, e.g. {rows[:5]}")
    except Exception as e:  # reported, not raised: the parent decides
        out.send(f"failed: {e}")


def run_checks(conn, path):
    """PRAGMA foreign_key_check (in a forked process) while this one runs PRAGMA integrity_check."""
    import multiprocessing as mp
    print("scale-seed: PRAGMA foreign_key_check and PRAGMA integrity_check", file=sys.stderr, flush=True)
    t = time.time()
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=foreign_key_check, args=(path, send), daemon=True)
    proc.start()
    send.close()
    res = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    integrity = "ok" if res == ["ok"] else "; ".join(res[:10])
    print(f"scale-seed: integrity_check: {integrity} ({time.time() - t:.0f} s)", file=sys.stderr, flush=True)
    try:
        fk = recv.recv()
    except EOFError:
        fk = "the check process died"
    proc.join()
    print(f"scale-seed: foreign_key_check: {fk} ({time.time() - t:.0f} s)", file=sys.stderr, flush=True)
    return fk, integrity


def default_cache_mb(applications):
    """Enough page cache for the randomly keyed tables (events, applications, products...), whose
    pages every chunk touches again: ~6 KB per application, within 8 GiB and 40% of what is free."""
    available = 4096
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) // 1024
    except OSError:
        pass
    return max(256, min(applications * 6 // 1024, 8192, available * 2 // 5))


def die(code, msg):
    print(f"scale-seed: {msg}", file=sys.stderr)
    sys.exit(code)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="the D1 SQLite file (migrations applied, staff seeded)")
    ap.add_argument("--applications", type=int, required=True, help="how many applications to write")
    ap.add_argument("--now", default="2026-12-01T00:00:00Z", help="the instant the data ends at (UTC)")
    ap.add_argument("--years", type=float, default=10.0, help="spread the submissions over this many years")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same rows)")
    ap.add_argument("--append", action="store_true", help="add to a file that already has applications")
    ap.add_argument("--base-url", default=BASE_URL, help="the public origin the SMS links name")
    ap.add_argument("--chunk", type=int, default=5000, help="applications per executemany round")
    ap.add_argument("--cache-mb", type=int, default=0,
                    help="SQLite page cache during the load (default: ~6 KB per application, at most 8 GiB "
                         "and 40%% of the memory available)")
    ap.add_argument("--workers", type=int, default=1, choices=(0, 1),
                    help="1: generate in a forked process while this one inserts; 0: all in this process")
    ap.add_argument("--keep-journal-mode", action="store_true",
                    help="load in the file's own journal mode (WAL) instead of a rollback journal "
                         "(slower at 1M, and the WAL needs as much disk again as the file)")
    ap.add_argument("--skip-checks", action="store_true", help="skip foreign_key_check and integrity_check")
    args = ap.parse_args()

    self_test()
    # A terminated load rolls back and gives the file its journal mode back (see the except below).
    import signal

    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    if args.applications < 1:
        die(2, "--applications must be at least 1")
    if not os.path.isfile(args.db):
        die(2, f"{args.db}: no such file")
    started = time.time()
    now = parse_now(args.now)

    conn = sqlite3.connect(args.db, isolation_level=None)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in TABLE_ORDER + ["villages", "kecamatan", "staff"] if t not in tables]
    if missing:
        die(2, f"{args.db}: tables missing ({', '.join(missing)}); apply every migration first")
    existing = conn.execute("SELECT count(*) FROM applications").fetchone()[0]
    if existing and not args.append:
        die(2, f"{args.db} already has {existing} applications; pass --append to add more")
    villages = [dict(code=c, name=n, kind=k, kec_code=kc, kec_name=kn, kk=c[6:8]) for c, n, k, kc, kn in conn.execute(
        "SELECT v.code, v.name, v.kind, v.kecamatan_code, k.name FROM villages v "
        "JOIN kecamatan k ON k.code = v.kecamatan_code ORDER BY v.code")]
    if not villages:
        die(2, "the villages table is empty (migration 0002 seeds it)")
    staff = {r: [] for r in ("front_office", "validator", "pickup_counter", "production", "head_of_agency")}
    staff["village_operator"] = {}
    for sid, role, village in conn.execute(
            "SELECT id, role, village_code FROM staff WHERE disabled_at IS NULL ORDER BY id"):
        if role == "village_operator":
            staff["village_operator"].setdefault(village, []).append(sid)
        elif role in staff:
            staff[role].append(sid)
    lacking = [r for r, v in staff.items() if r != "village_operator" and not v]
    if lacking:
        die(2, f"no active staff for role(s) {', '.join(lacking)}; seed the demo staff (scripts/staff.mjs seed-demo)")
    ids = {}
    for t in ID_TABLES:
        ids[t] = conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
    seqrow = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    if seqrow and seqrow[0] > ids["outbox"]:
        ids["outbox"] = seqrow[0]
    existing_numbers = set()
    if existing:
        existing_numbers = {r[0] for r in conn.execute("SELECT registration_number FROM applications")}

    # what is dropped for the load and put back, exactly as it was
    written = set(TABLE_ORDER)
    schema_before = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
                           key=lambda r: (r[0], r[1]))
    saved_indexes = [(n, s) for n, t, s in conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid")
        if t in written]
    saved_triggers = [(n, s) for n, t, s in conn.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid")
        if t == "events" and n in GUARD_TRIGGERS]
    other_event_triggers = [n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'") if n not in GUARD_TRIGGERS]
    if other_event_triggers:
        print(f"scale-seed: leaving trigger(s) on events in place: {', '.join(other_event_triggers)}", file=sys.stderr)

    # The file's journal mode (WAL for a wrangler file) is what it keeps. The load itself runs under a
    # rollback journal unless --keep-journal-mode: in WAL mode a transaction larger than the page cache
    # spills into the WAL, every later miss searches a WAL index of millions of frames, the commit
    # writes the whole file a second time and the checkpoint copies it back (measured: slower, and
    # twice the disk at its peak).
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    switch_journal = not args.keep_journal_mode and journal not in ("delete", "memory", "off")
    if switch_journal:  # refused (stays "wal") while another connection has the file open
        switch_journal = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    conn.execute("PRAGMA synchronous = OFF")
    cache_mb = args.cache_mb or default_cache_mb(args.applications + existing)
    conn.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("BEGIN IMMEDIATE")
    for name, _ in saved_indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for name, _ in saved_triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    sqls = {t: sql_for(t) for t in TABLE_ORDER}

    n = args.applications
    count = {k: 0 for k in TABLE_ORDER}
    last_report = 0
    made = 0
    t_insert = 0.0
    try:
        for made, rows in chunks(args, now, staff, villages, ids, existing_numbers):
            t1 = time.time()
            for name, table_rows in rows:
                t2 = time.time()
                conn.executemany(sqls[name], table_rows)
                count[name] += len(table_rows)
                if PROFILE is not None:
                    PROFILE[name] = PROFILE.get(name, 0.0) + time.time() - t2
            t_insert += time.time() - t1
            if made - last_report >= 100_000 or made == n:
                last_report = made
                el = time.time() - started
                print(f"scale-seed: {made:,}/{n:,} applications ({el:.0f} s, {t_insert:.0f} s of it inserting)",
                      file=sys.stderr, flush=True)
        if made != n:
            raise RuntimeError(f"the generator stopped after {made} applications")
        print("scale-seed: recreating indexes and triggers", file=sys.stderr, flush=True)
        t_idx = time.time()
        for name, sql in saved_indexes:
            conn.execute(sql)
        for name, sql in saved_triggers:
            conn.execute(sql)
        print(f"scale-seed: indexes rebuilt in {time.time() - t_idx:.0f} s; committing", file=sys.stderr, flush=True)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if switch_journal:
            conn.execute(f"PRAGMA journal_mode = {journal}")
        print("scale-seed: stopped; everything written by this run was rolled back", file=sys.stderr)
        raise
    schema_after = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
                          key=lambda r: (r[0], r[1]))
    schema_same = schema_before == schema_after
    if switch_journal:
        conn.execute(f"PRAGMA journal_mode = {journal}")
    if journal == "wal" and not switch_journal:
        print("scale-seed: checkpointing the WAL", file=sys.stderr, flush=True)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA synchronous = FULL")

    problems = []
    if not schema_same:
        problems.append("the schema changed")
    fk = "skipped"
    integrity = "skipped"
    if not args.skip_checks:
        fk, integrity = run_checks(conn, args.db)
        if fk != "ok":
            problems.append("foreign keys")
        if integrity != "ok":
            problems.append("integrity")
    conn.close()
    size = os.path.getsize(args.db)
    for extra in ("-wal",):
        if os.path.exists(args.db + extra):
            size += os.path.getsize(args.db + extra)
    summary = {
        "applications": made,
        "events": count["events"],
        "message_status_history": count["message_status_history"],
        "outbox": count["outbox"],
        "seconds": round(time.time() - started, 1),
        "file_size_bytes": size,
        "rows": count,
        "schema_identical": schema_same,
        "foreign_key_check": fk,
        "integrity_check": integrity,
    }
    if PROFILE is not None:
        print("scale-seed: insert seconds per table: " + json.dumps({k: round(v, 1) for k, v in PROFILE.items()}),
              file=sys.stderr)
    print(json.dumps(summary, separators=(",", ":")))
    if problems:
        die(1, "problems: " + ", ".join(problems))


if __name__ == "__main__":
    main()
