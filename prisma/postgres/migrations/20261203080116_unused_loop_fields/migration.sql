-- CreateTable
CREATE TABLE "UnusedLoopField" (
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "UnusedLoopField_pkey" PRIMARY KEY ("shopDomain","topic","path")
);

-- CreateIndex
CREATE INDEX "UnusedLoopField_lastSeenAt_idx" ON "UnusedLoopField"("lastSeenAt");

