-- CreateTable
CREATE TABLE "PostscriptConnection" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "keyCiphertext" TEXT,
    "keyKeyId" TEXT,
    "keyLastFour" TEXT,
    "label" TEXT,
    "postscriptShopId" TEXT,
    "postscriptShopName" TEXT,
    "connectedAt" TIMESTAMP(3),
    "lastVerifiedAt" TIMESTAMP(3),
    "disconnectedAt" TIMESTAMP(3),
    "actionNeededReason" TEXT,
    "actionNeededAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PostscriptConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoopConnection" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "tokenCiphertext" TEXT,
    "tokenKeyId" TEXT,
    "tokenLastFour" TEXT,
    "connectedAt" TIMESTAMP(3),
    "lastVerifiedAt" TIMESTAMP(3),
    "disconnectedAt" TIMESTAMP(3),
    "actionNeededReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoopConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoopWebhook" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "loopWebhookId" TEXT,
    "address" TEXT NOT NULL,
    "secretCiphertext" TEXT NOT NULL,
    "secretKeyId" TEXT NOT NULL,
    "secretLastFour" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoopWebhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopSettings" (
    "shopDomain" TEXT NOT NULL,
    "disabledEventTypes" TEXT NOT NULL DEFAULT '[]',
    "paymentRetryCount" INTEGER NOT NULL DEFAULT 3,
    "testEmail" TEXT,
    "testPhone" TEXT,
    "eventsReviewedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopSettings_pkey" PRIMARY KEY ("shopDomain")
);

-- CreateTable
CREATE TABLE "ConfigurationChange" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigurationChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PostscriptConnection_shopDomain_key" ON "PostscriptConnection"("shopDomain");

-- CreateIndex
CREATE UNIQUE INDEX "LoopConnection_shopDomain_key" ON "LoopConnection"("shopDomain");

-- CreateIndex
CREATE INDEX "LoopWebhook_shopDomain_topic_idx" ON "LoopWebhook"("shopDomain", "topic");

-- CreateIndex
CREATE INDEX "ConfigurationChange_shopDomain_createdAt_idx" ON "ConfigurationChange"("shopDomain", "createdAt");

