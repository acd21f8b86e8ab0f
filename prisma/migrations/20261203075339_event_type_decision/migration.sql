-- AlterTable
ALTER TABLE "Event" ADD COLUMN "typeDecision" TEXT;

