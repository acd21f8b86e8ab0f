-- CreateTable
CREATE TABLE "SupportUser" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "passwordChangedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "totpCiphertext" TEXT,
    "totpKeyId" TEXT,
    "totpEnabledAt" TIMESTAMP(3),
    "totpLastStep" INTEGER,
    "disabledAt" TIMESTAMP(3),
    "lastSignInAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SupportUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupportSession" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "SupportSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupportSignInThrottle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "SupportSignInThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "SupportAuditEntry" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userId" TEXT,
    "email" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "shopDomain" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "ip" TEXT,
    "userAgent" TEXT,

    CONSTRAINT "SupportAuditEntry_pkey" PRIMARY KEY ("id")
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
CREATE FUNCTION "SupportAuditEntry_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'SupportAuditEntry is append-only';
END;
$$;

CREATE TRIGGER "SupportAuditEntry_no_update" BEFORE UPDATE OR DELETE ON "SupportAuditEntry"
    FOR EACH ROW EXECUTE FUNCTION "SupportAuditEntry_append_only"();

CREATE TRIGGER "SupportAuditEntry_no_truncate" BEFORE TRUNCATE ON "SupportAuditEntry"
    FOR EACH STATEMENT EXECUTE FUNCTION "SupportAuditEntry_append_only"();
