-- AlterTable
ALTER TABLE "LoopWebhook" ADD COLUMN     "boundTopics" TEXT;

