// The replay action's form, checked (zod) and carried out with replay.server.ts.
import { z } from "zod";
import type { Database } from "~/db.server";
import { isEventType } from "~/events/catalogue";
import { formatCount } from "~/statistics/format";
import { MAX_CUSTOM_DAYS } from "~/statistics/period";
import { replayEvent, replayFailedInRange } from "./replay.server";

const HOUR = 3_600_000;
const isoInstant = z
  .string()
  .datetime()
  .transform((s) => new Date(s));

const replayForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("replay-one"), eventId: z.string().min(1).max(64) }),
  z.object({
    intent: z.literal("replay-range"),
    from: isoInstant,
    to: isoInstant,
    type: z.string().refine(isEventType).optional(),
  }),
]);

export interface ReplayResponse {
  ok: boolean;
  message: string;
  replayed: number;
}

export async function replayRequest(db: Database, shopDomain: string, form: FormData, now = new Date()): Promise<ReplayResponse> {
  const parsed = replayForm.safeParse(Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string" && v !== "")));
  if (!parsed.success) return { ok: false, message: "The replay request was not understood. Reload the page and try again.", replayed: 0 };
  const input = parsed.data;
  if (input.intent === "replay-one") {
    const replayed = await replayEvent(db, shopDomain, input.eventId, now);
    return replayed
      ? { ok: true, message: "Event queued to be sent again", replayed: 1 }
      : { ok: false, message: "This event cannot be replayed: only failed events can, and it may have been replayed already", replayed: 0 };
  }
  const { from, to } = input;
  if (!(from < to) || to.getTime() - from.getTime() > (MAX_CUSTOM_DAYS + 1) * 24 * HOUR) {
    return { ok: false, message: "The replay period is not valid", replayed: 0 };
  }
  const replayed = await replayFailedInRange(db, shopDomain, { from, to, eventType: input.type }, now);
  if (replayed === 0) return { ok: true, message: "No failed events to replay in this period", replayed };
  return { ok: true, message: `${formatCount(replayed)} ${replayed === 1 ? "event" : "events"} queued to be sent again`, replayed };
}
