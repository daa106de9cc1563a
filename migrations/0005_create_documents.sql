-- Requirement documents uploaded by the citizen or an officer. The file
-- itself is an R2 object (binding DOCUMENTS) under a random, unguessable
-- key; this row is what makes it visible, and only to staff allowed to see
-- the application (GET /documents/{id}).
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    item TEXT NOT NULL,                     -- a requirement code of the application's services
    object_key TEXT NOT NULL UNIQUE,        -- 'applications/<number>/<32 hex random>'
    filename TEXT NOT NULL,                 -- sanitised original name, at most 100 characters
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES staff (id), -- NULL: the citizen
    created_at TEXT NOT NULL
);
CREATE INDEX documents_by_application ON documents (registration_number, created_at);
