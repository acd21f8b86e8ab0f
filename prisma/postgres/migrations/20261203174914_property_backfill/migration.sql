-- CreateTable
CREATE TABLE "PropertyBackfill" (
    "shopDomain" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "nextPage" INTEGER NOT NULL DEFAULT 1,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "subscriptionsRead" INTEGER NOT NULL DEFAULT 0,
    "subscriptionsTotal" INTEGER,
    "customers" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "claimedBy" TEXT,
    "claimExpiresAt" TIMESTAMP(3),

    CONSTRAINT "PropertyBackfill_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateIndex
CREATE INDEX "PropertyBackfill_status_nextAttemptAt_idx" ON "PropertyBackfill"("status", "nextAttemptAt");

