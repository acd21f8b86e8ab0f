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
    "lastEventAt" DATETIME,
    "stateAsOf" DATETIME NOT NULL,
    "stateUpdatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "subscriptionId")
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
    "changedAt" DATETIME,
    "dueAt" DATETIME,
    "syncAttempts" INTEGER NOT NULL DEFAULT 0,
    "lookedUpAt" DATETIME,
    "syncedAt" DATETIME,
    "errorKind" TEXT,
    "errorDetail" TEXT,
    "markedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "customerKey")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "disabledEventTypes" TEXT NOT NULL DEFAULT '[]',
    "paymentRetryCount" INTEGER NOT NULL DEFAULT 3,
    "testEmail" TEXT,
    "testPhone" TEXT,
    "eventsReviewedAt" DATETIME,
    "deliveriesPausedAt" DATETIME,
    "deliveriesPausedBy" TEXT,
    "propertySyncEnabled" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ShopSettings" ("deliveriesPausedAt", "deliveriesPausedBy", "disabledEventTypes", "eventsReviewedAt", "paymentRetryCount", "shopDomain", "testEmail", "testPhone", "updatedAt") SELECT "deliveriesPausedAt", "deliveriesPausedBy", "disabledEventTypes", "eventsReviewedAt", "paymentRetryCount", "shopDomain", "testEmail", "testPhone", "updatedAt" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "LoopSubscriptionState_shopDomain_customerKey_idx" ON "LoopSubscriptionState"("shopDomain", "customerKey");

-- CreateIndex
CREATE INDEX "SubscriberSync_dueAt_idx" ON "SubscriberSync"("dueAt");

-- CreateIndex
CREATE INDEX "SubscriberSync_shopDomain_syncStatus_idx" ON "SubscriberSync"("shopDomain", "syncStatus");

