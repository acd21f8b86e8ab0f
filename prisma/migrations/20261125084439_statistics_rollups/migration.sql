-- CreateTable
CREATE TABLE "EventRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" DATETIME NOT NULL,
    "eventType" TEXT NOT NULL,
    "received" INTEGER NOT NULL DEFAULT 0,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "lastSeenAt" DATETIME,

    PRIMARY KEY ("shopDomain", "hourStart", "eventType")
);

-- CreateTable
CREATE TABLE "ReasonRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "hourStart", "reason")
);

-- CreateTable
CREATE TABLE "LatencyRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" DATETIME NOT NULL,
    "bucketMs" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopDomain", "hourStart", "bucketMs")
);

