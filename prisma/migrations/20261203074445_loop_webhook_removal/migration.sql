-- CreateTable
CREATE TABLE "LoopWebhookRemoval" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "tokenCiphertext" TEXT NOT NULL,
    "tokenKeyId" TEXT NOT NULL,
    "pending" TEXT NOT NULL,
    "refused" TEXT NOT NULL DEFAULT '[]',
    "removed" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "giveUpAt" DATETIME NOT NULL,
    "claimedBy" TEXT,
    "claimExpiresAt" DATETIME
);

-- CreateIndex
CREATE INDEX "LoopWebhookRemoval_nextAttemptAt_idx" ON "LoopWebhookRemoval"("nextAttemptAt");

-- CreateIndex
CREATE INDEX "LoopWebhookRemoval_shopDomain_idx" ON "LoopWebhookRemoval"("shopDomain");

