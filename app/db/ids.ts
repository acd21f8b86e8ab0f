// Ids for rows the app writes without Prisma (the hot paths in app/ingest and app/delivery), in the shape of
// Prisma's cuid(): "c", time, counter, a per-process fingerprint and randomness — 25 characters, unique across
// processes, roughly ordered by time like the ids Prisma makes.
import { randomBytes } from "node:crypto";

const fingerprint = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, "0").slice(-4);
let counter = 0;
// Random bytes are drawn 6 KiB at a time: one small randomBytes() call per id costs more than the rest of it.
let pool = randomBytes(6144);
let offset = 0;

export function newId(): string {
  counter = (counter + 1) % 1_679_616; // 36^4
  if (offset + 6 > pool.length) {
    pool = randomBytes(6144);
    offset = 0;
  }
  const random = pool.readUIntBE(offset, 6).toString(36).padStart(8, "0").slice(-8);
  offset += 6;
  return `c${Date.now().toString(36).padStart(8, "0")}${counter.toString(36).padStart(4, "0")}${fingerprint}${random}`;
}
