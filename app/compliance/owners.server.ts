// Every feature that holds shop or customer data, for the privacy webhooks (compliance.server.ts). A feature
// that stores such data adds its PersonalDataOwner here.
import { connectionRecords } from "~/connections/personal-data.server";
import { eventRecords } from "~/events/personal-data.server";
import { unusedFieldRecords } from "~/events/unused-field-log.server";
import type { PersonalDataOwner } from "./personal-data.server";

/** Sessions and the shop record hold no customer data; shop/redact removes them. */
const shopRecords: PersonalDataOwner = {
  name: "sessions and shop record",
  exportCustomer: async () => [],
  redactCustomer: async () => 0,
  async redactShop(db, shop) {
    const [sessions, shops] = await db.$transaction([
      db.session.deleteMany({ where: { shop } }),
      db.shop.deleteMany({ where: { domain: shop } }),
    ]);
    return sessions.count + shops.count;
  },
};

// Order matters for shop/redact: features whose rows reference the shop record come before it.
export const owners: PersonalDataOwner[] = [eventRecords, unusedFieldRecords, connectionRecords, shopRecords];
