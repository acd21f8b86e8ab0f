-- CreateTable
CREATE TABLE "StatisticsDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" TIMESTAMP(3) NOT NULL,
    "dayEnd" TIMESTAMP(3) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StatisticsDay_pkey" PRIMARY KEY ("shopDomain","dayStart")
);

-- CreateTable
CREATE TABLE "EventRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" TIMESTAMP(3) NOT NULL,
    "eventType" TEXT NOT NULL,
    "received" INTEGER NOT NULL DEFAULT 0,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "lastSeenAt" TIMESTAMP(3),

    CONSTRAINT "EventRollupDay_pkey" PRIMARY KEY ("shopDomain","dayStart","eventType")
);

-- CreateTable
CREATE TABLE "ReasonRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReasonRollupDay_pkey" PRIMARY KEY ("shopDomain","dayStart","reason")
);

-- CreateTable
CREATE TABLE "LatencyRollupDay" (
    "shopDomain" TEXT NOT NULL,
    "dayStart" TIMESTAMP(3) NOT NULL,
    "bucketMs" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LatencyRollupDay_pkey" PRIMARY KEY ("shopDomain","dayStart","bucketMs")
);

