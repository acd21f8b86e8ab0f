-- CreateTable
CREATE TABLE "SupportRefusalCount" (
    "ip" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "throttled" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "SupportRefusalCount_pkey" PRIMARY KEY ("ip","kind","minute")
);

-- CreateIndex
CREATE INDEX "SupportRefusalCount_minute_idx" ON "SupportRefusalCount"("minute");

