-- DropIndex
DROP INDEX "Event_shopDomain_status_nextAttemptAt_idx";

-- CreateIndex
CREATE INDEX "Event_shop_status_next_reason_first_idx" ON "Event"("shopDomain", "status", "nextAttemptAt", "reason", "firstAttemptAt");

