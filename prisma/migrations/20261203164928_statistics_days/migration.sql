-- CreateTable
CREATE TABLE "StatisticsDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" DATETIME NOT NULL,
    "dayEnd" DATETIME NOT NULL,
    "timeZone" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "dayStart")
);

-- CreateTable
CREATE TABLE "EventRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" DATETIME NOT NULL,
    "eventType" TEXT NOT NULL,
    "received" INTEGER NOT NULL DEFAULT 0,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "lastSeenAt" DATETIME,

    PRIMARY KEY ("shopDomain", "dayStart", "eventType")
);

-- CreateTable
CREATE TABLE "ReasonRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopDomain", "dayStart", "reason")
);

-- CreateTable
CREATE TABLE "LatencyRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" DATETIME NOT NULL,
    "bucketMs" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopDomain", "dayStart", "bucketMs")
);

