-- CreateTable
CREATE TABLE "SupportRefusalCount" (
    "ip" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "minute" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "throttled" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("ip", "kind", "minute")
);

-- CreateIndex
CREATE INDEX "SupportRefusalCount_minute_idx" ON "SupportRefusalCount"("minute");

