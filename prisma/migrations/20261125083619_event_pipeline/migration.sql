-- CreateTable
CREATE TABLE "Event" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "loopWebhookId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventType" TEXT,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "reasonDetail" TEXT,
    "isTest" BOOLEAN NOT NULL DEFAULT false,
    "subscriptionKey" TEXT,
    "loopOrderId" TEXT,
    "customerEmail" TEXT,
    "customerPhone" TEXT,
    "occurredAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "firstAttemptAt" DATETIME,
    "deliveredAt" DATETIME,
    "payload" TEXT NOT NULL,
    "request" TEXT,
    "postscriptEventId" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "eventId" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "httpStatus" INTEGER,
    "outcome" TEXT NOT NULL,
    "errorClass" TEXT,
    "message" TEXT,
    CONSTRAINT "DeliveryAttempt_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DeliveryLease" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Event_status_nextAttemptAt_idx" ON "Event"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Event_shopDomain_status_nextAttemptAt_idx" ON "Event"("shopDomain", "status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Event_shopDomain_subscriptionKey_occurredAt_idx" ON "Event"("shopDomain", "subscriptionKey", "occurredAt");

-- CreateIndex
CREATE INDEX "Event_shopDomain_receivedAt_idx" ON "Event"("shopDomain", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Event_shopDomain_dedupeKey_key" ON "Event"("shopDomain", "dedupeKey");

-- CreateIndex
CREATE INDEX "DeliveryAttempt_eventId_startedAt_idx" ON "DeliveryAttempt"("eventId", "startedAt");

