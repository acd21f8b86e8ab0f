-- CreateTable
CREATE TABLE "PropertyBackfill" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "nextPage" INTEGER NOT NULL DEFAULT 1,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "subscriptionsRead" INTEGER NOT NULL DEFAULT 0,
    "subscriptionsTotal" INTEGER,
    "customers" INTEGER NOT NULL DEFAULT 0,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "nextAttemptAt" DATETIME NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "claimedBy" TEXT,
    "claimExpiresAt" DATETIME
);

-- CreateIndex
CREATE INDEX "PropertyBackfill_status_nextAttemptAt_idx" ON "PropertyBackfill"("status", "nextAttemptAt");

