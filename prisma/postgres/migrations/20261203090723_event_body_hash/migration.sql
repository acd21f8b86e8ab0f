-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "bodyHash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Event_shopDomain_topic_bodyHash_key" ON "Event"("shopDomain", "topic", "bodyHash");

