-- The documents an application yields (src/domain/products.rs): one row per
-- (application, product) once production has touched it; a product without
-- a row has no number, no draft and no signature yet. Files are R2 objects
-- (binding DOCUMENTS) under random keys, served only to staff.
CREATE TABLE products (
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    kind TEXT NOT NULL CHECK (kind IN ('birth_certificate', 'birth_register', 'family_card', 'child_id_card')),
    document_number TEXT,                   -- nomor akta / register / KK / KIA, from SIAK
    draft_key TEXT,                         -- step h: the draft exported from SIAK
    draft_sha256 TEXT,
    draft_size INTEGER,
    validated INTEGER NOT NULL DEFAULT 0 CHECK (validated IN (0, 1)), -- step i
    signed_code TEXT,                       -- step j: the current signature (signatures.code)
    updated_at TEXT NOT NULL,
    PRIMARY KEY (registration_number, kind),
    CHECK ((draft_key IS NULL) = (draft_sha256 IS NULL))
) WITHOUT ROWID;

-- Every signature ever made, by its public verification code: what
-- /verifikasi/{code} shows. A signature is replaced when its product is
-- signed again (a corrected draft) and revoked when its application is
-- cancelled; neither is ever deleted.
CREATE TABLE signatures (
    code TEXT PRIMARY KEY,                  -- "ABCD-EFGH-JKMN-PQRS"
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    kind TEXT NOT NULL,
    document_number TEXT NOT NULL,
    object_key TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    signed_at TEXT NOT NULL,
    signed_by INTEGER NOT NULL REFERENCES staff (id),
    replaced_at TEXT,
    replaced_by TEXT,                       -- the code of the signature that replaced it
    revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX signatures_by_product ON signatures (registration_number, kind, signed_at);
