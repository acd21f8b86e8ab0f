-- CreateTable
CREATE TABLE "LoopWebhookRemoval" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "tokenCiphertext" TEXT NOT NULL,
    "tokenKeyId" TEXT NOT NULL,
    "pending" TEXT NOT NULL,
    "refused" TEXT NOT NULL DEFAULT '[]',
    "removed" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "giveUpAt" TIMESTAMP(3) NOT NULL,
    "claimedBy" TEXT,
    "claimExpiresAt" TIMESTAMP(3),

    CONSTRAINT "LoopWebhookRemoval_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LoopWebhookRemoval_nextAttemptAt_idx" ON "LoopWebhookRemoval"("nextAttemptAt");

-- CreateIndex
CREATE INDEX "LoopWebhookRemoval_shopDomain_idx" ON "LoopWebhookRemoval"("shopDomain");

