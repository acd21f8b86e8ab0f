-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "propertySyncEnabled" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "LoopSubscriptionState" (
    "shopDomain" TEXT NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "subscriptionStatus" TEXT,
    "nextOrderOn" TEXT,
    "productTitles" TEXT NOT NULL DEFAULT '[]',
    "valueMinor" INTEGER,
    "currencyCode" TEXT,
    "cancelledOn" TEXT,
    "cancellationReason" TEXT,
    "portalLink" TEXT,
    "lastEventType" TEXT,
    "lastEventAt" TIMESTAMP(3),
    "stateAsOf" TIMESTAMP(3) NOT NULL,
    "stateUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoopSubscriptionState_pkey" PRIMARY KEY ("shopDomain","subscriptionId")
);

-- CreateTable
CREATE TABLE "SubscriberSync" (
    "shopDomain" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "contactEmail" TEXT,
    "contactPhone" TEXT,
    "subscriberId" TEXT,
    "syncStatus" TEXT NOT NULL DEFAULT 'pending',
    "sentProperties" TEXT NOT NULL DEFAULT '{}',
    "changedAt" TIMESTAMP(3),
    "dueAt" TIMESTAMP(3),
    "syncAttempts" INTEGER NOT NULL DEFAULT 0,
    "lookedUpAt" TIMESTAMP(3),
    "syncedAt" TIMESTAMP(3),
    "errorKind" TEXT,
    "errorDetail" TEXT,
    "markedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SubscriberSync_pkey" PRIMARY KEY ("shopDomain","customerKey")
);

-- CreateIndex
CREATE INDEX "LoopSubscriptionState_shopDomain_customerKey_idx" ON "LoopSubscriptionState"("shopDomain", "customerKey");

-- CreateIndex
CREATE INDEX "SubscriberSync_dueAt_idx" ON "SubscriberSync"("dueAt");

-- CreateIndex
CREATE INDEX "SubscriberSync_shopDomain_syncStatus_idx" ON "SubscriberSync"("shopDomain", "syncStatus");

