-- CreateTable
CREATE TABLE "DeliveryKeyLease" (
    "fingerprint" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeliveryKeyLease_pkey" PRIMARY KEY ("fingerprint")
);

