-- CreateTable
CREATE TABLE "EventRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" TIMESTAMP(3) NOT NULL,
    "eventType" TEXT NOT NULL,
    "received" INTEGER NOT NULL DEFAULT 0,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "lastSeenAt" TIMESTAMP(3),

    CONSTRAINT "EventRollup_pkey" PRIMARY KEY ("shopDomain","hourStart","eventType")
);

-- CreateTable
CREATE TABLE "ReasonRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReasonRollup_pkey" PRIMARY KEY ("shopDomain","hourStart","reason")
);

-- CreateTable
CREATE TABLE "LatencyRollup" (
    "shopDomain" TEXT NOT NULL,
    "hourStart" TIMESTAMP(3) NOT NULL,
    "bucketMs" INTEGER NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "LatencyRollup_pkey" PRIMARY KEY ("shopDomain","hourStart","bucketMs")
);

