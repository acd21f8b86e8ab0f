-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "ianaTimezone" TEXT;

-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "deliveriesPausedAt" TIMESTAMP(3),
ADD COLUMN     "deliveriesPausedBy" TEXT;

-- CreateIndex
CREATE INDEX "Event_shopDomain_eventType_receivedAt_idx" ON "Event"("shopDomain", "eventType", "receivedAt");

-- CreateIndex
CREATE INDEX "Event_shopDomain_customerEmail_idx" ON "Event"("shopDomain", "customerEmail");

-- CreateIndex
CREATE INDEX "Event_shopDomain_customerPhone_idx" ON "Event"("shopDomain", "customerPhone");

-- CreateIndex
CREATE INDEX "Event_shopDomain_loopOrderId_idx" ON "Event"("shopDomain", "loopOrderId");

