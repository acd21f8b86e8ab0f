-- CreateTable
CREATE TABLE "UnusedLoopField" (
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "firstSeenAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopDomain", "topic", "path")
);

-- CreateIndex
CREATE INDEX "UnusedLoopField_lastSeenAt_idx" ON "UnusedLoopField"("lastSeenAt");

