-- CreateTable
CREATE TABLE "SupportUser" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "passwordChangedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "totpCiphertext" TEXT,
    "totpKeyId" TEXT,
    "totpEnabledAt" DATETIME,
    "totpLastStep" INTEGER,
    "disabledAt" DATETIME,
    "lastSignInAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SupportSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT
);

-- CreateTable
CREATE TABLE "SupportSignInThrottle" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" DATETIME NOT NULL,
    "lockedUntil" DATETIME
);

-- CreateTable
CREATE TABLE "SupportAuditEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" TEXT,
    "email" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "shopDomain" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "ip" TEXT,
    "userAgent" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "SupportUser_email_key" ON "SupportUser"("email");

-- CreateIndex
CREATE INDEX "SupportSession_userId_idx" ON "SupportSession"("userId");

-- CreateIndex
CREATE INDEX "SupportSession_expiresAt_idx" ON "SupportSession"("expiresAt");

-- CreateIndex
CREATE INDEX "SupportAuditEntry_at_idx" ON "SupportAuditEntry"("at");

-- CreateIndex
CREATE INDEX "SupportAuditEntry_shopDomain_at_idx" ON "SupportAuditEntry"("shopDomain", "at");

-- CreateIndex
CREATE INDEX "SupportAuditEntry_userId_at_idx" ON "SupportAuditEntry"("userId", "at");

-- CreateIndex
CREATE INDEX "Event_subscriptionKey_idx" ON "Event"("subscriptionKey");


-- The support audit log is append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER "SupportAuditEntry_no_update" BEFORE UPDATE ON "SupportAuditEntry"
BEGIN
    SELECT RAISE(ABORT, 'SupportAuditEntry is append-only');
END;

CREATE TRIGGER "SupportAuditEntry_no_delete" BEFORE DELETE ON "SupportAuditEntry"
BEGIN
    SELECT RAISE(ABORT, 'SupportAuditEntry is append-only');
END;
