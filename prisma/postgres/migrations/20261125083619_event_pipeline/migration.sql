-- CreateTable
CREATE TABLE "Event" (
    "id" TEXT NOT NULL,
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
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "firstAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "payload" TEXT NOT NULL,
    "request" TEXT,
    "postscriptEventId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliveryAttempt" (
    "id" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "durationMs" INTEGER NOT NULL,
    "httpStatus" INTEGER,
    "outcome" TEXT NOT NULL,
    "errorClass" TEXT,
    "message" TEXT,

    CONSTRAINT "DeliveryAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeliveryLease" (
    "shopDomain" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeliveryLease_pkey" PRIMARY KEY ("shopDomain")
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

-- AddForeignKey
ALTER TABLE "DeliveryAttempt" ADD CONSTRAINT "DeliveryAttempt_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE CASCADE ON UPDATE CASCADE;

