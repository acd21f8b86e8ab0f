-- CreateTable
CREATE TABLE "DeliveryKeyLease" (
    "fingerprint" TEXT NOT NULL PRIMARY KEY,
    "owner" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

