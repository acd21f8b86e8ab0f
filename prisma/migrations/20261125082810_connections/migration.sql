-- CreateTable
CREATE TABLE "PostscriptConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "keyCiphertext" TEXT,
    "keyKeyId" TEXT,
    "keyLastFour" TEXT,
    "label" TEXT,
    "postscriptShopId" TEXT,
    "postscriptShopName" TEXT,
    "connectedAt" DATETIME,
    "lastVerifiedAt" DATETIME,
    "disconnectedAt" DATETIME,
    "actionNeededReason" TEXT,
    "actionNeededAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LoopConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "tokenCiphertext" TEXT,
    "tokenKeyId" TEXT,
    "tokenLastFour" TEXT,
    "connectedAt" DATETIME,
    "lastVerifiedAt" DATETIME,
    "disconnectedAt" DATETIME,
    "actionNeededReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LoopWebhook" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "loopWebhookId" TEXT,
    "address" TEXT NOT NULL,
    "secretCiphertext" TEXT NOT NULL,
    "secretKeyId" TEXT NOT NULL,
    "secretLastFour" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ShopSettings" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "disabledEventTypes" TEXT NOT NULL DEFAULT '[]',
    "paymentRetryCount" INTEGER NOT NULL DEFAULT 3,
    "testEmail" TEXT,
    "testPhone" TEXT,
    "eventsReviewedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ConfigurationChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "PostscriptConnection_shopDomain_key" ON "PostscriptConnection"("shopDomain");

-- CreateIndex
CREATE UNIQUE INDEX "LoopConnection_shopDomain_key" ON "LoopConnection"("shopDomain");

-- CreateIndex
CREATE INDEX "LoopWebhook_shopDomain_topic_idx" ON "LoopWebhook"("shopDomain", "topic");

-- CreateIndex
CREATE INDEX "ConfigurationChange_shopDomain_createdAt_idx" ON "ConfigurationChange"("shopDomain", "createdAt");

