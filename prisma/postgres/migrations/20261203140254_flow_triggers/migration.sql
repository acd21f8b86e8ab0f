-- CreateTable
CREATE TABLE "FlowTriggerUsage" (
    "shopDomain" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "hasEnabledFlow" BOOLEAN NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlowTriggerUsage_pkey" PRIMARY KEY ("shopDomain","trigger")
);

-- CreateTable
CREATE TABLE "FlowTriggerFiring" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "incidentKey" TEXT NOT NULL,
    "incidentGroup" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "events" INTEGER NOT NULL DEFAULT 1,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FlowTriggerFiring_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FlowTriggerFiring_status_nextAttemptAt_idx" ON "FlowTriggerFiring"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "FlowTriggerFiring_incident_lastSeen_idx" ON "FlowTriggerFiring"("shopDomain", "trigger", "incidentGroup", "lastSeenAt");

-- CreateIndex
CREATE UNIQUE INDEX "FlowTriggerFiring_shopDomain_trigger_incidentKey_key" ON "FlowTriggerFiring"("shopDomain", "trigger", "incidentKey");

