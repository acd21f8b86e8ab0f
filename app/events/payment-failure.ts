// Which of the three payment-failure events an order/paymentFailed webhook is.
//
// Loop has ONE topic (order/paymentFailed) for three Postscript event types (docs/decisions/payment-failure-rule.md):
// payment_attempt_failed_with_retries_left ("Payment failed with retries left"),
// payment_attempt_failed_last_retry_left ("Payment failed with only 1 retry left") and payment_attempt_failed
// ("Payment failed with no retries left") — Loop's descriptions. Retry counters on the payload are
// undocumented; the generator (sandbox/loop/payloads.ts) shows the plausible variants, all accepted by
// loop-payloads.ts. The merchant's retry setting (Loop → Retain → Payment recovery: number of retries, which
// the app cannot read, so the merchant enters it in Settings) is the fallback for the maximum.
//
// THE RULE — retries left L after this failure:
//   L ≥ 2 → payment_attempt_failed_with_retries_left
//   L = 1 → payment_attempt_failed_last_retry_left
//   L = 0 → payment_attempt_failed
// L is worked out from the first of these that the payload allows (D = retries already made before this failure,
// A = 1-based attempt number incl. the first charge, M = retries allowed, MA = attempts allowed = M + 1):
//   1. L given (retriesLeft / remainingRetries)            → L
//   2. D and M                                             → M − D
//   3. A and MA                                            → MA − A
//   4. A and M                                             → M − (A − 1)
//   5. D and MA                                            → (MA − 1) − D
//   6. D or A without a maximum                            → configured − D   (D = A − 1)
//   7. no counter at all, the caller counted earlier failures of the same order (priorFailures = D: those that
//      occurred before this one, since the order's last successful charge; app/delivery/payment-failures.server.ts)
//                                                          → (M ?? MA − 1 ?? configured) − D
//   8. nothing (no counter, and nothing counted)            → assume this is the FIRST failure: (M ?? configured)
// L is clamped to ≥ 0; D, A, M are clamped to sensible ranges. Rule 8 errs towards "retries left": telling a
// customer "we'll try again" when we cannot know is less harmful than "your payment failed for good".
import type { EventType } from "./catalogue";

export type PaymentFailureType = Extract<
  EventType,
  "payment_attempt_failed_with_retries_left" | "payment_attempt_failed_last_retry_left" | "payment_attempt_failed"
>;

export interface PaymentRetryCounters {
  retriesLeft?: number | null;
  retriesDone?: number | null;
  attemptNumber?: number | null;
  maxRetries?: number | null;
  maxAttempts?: number | null;
  /** Earlier order/paymentFailed webhooks the caller has seen for the same Loop order (used by rule 7 only). */
  priorFailures?: number | null;
}

export interface PaymentFailureClassification {
  type: PaymentFailureType;
  retriesLeft: number;
  /** Retries made before this failure (0 = the first charge failed). */
  retriesDone: number;
  /** Retries allowed in total. */
  maxRetries: number;
  /** 1-based attempt number, the first charge included. */
  attemptNumber: number;
  /** Which rule of the table above decided (1–8). */
  rule: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
  /** Where the retry position came from: the payload's counters, the caller's count, or the first-failure assumption. */
  retriesFrom: "payload" | "counted" | "assumed-first";
  /** Where the maximum came from: the payload or the shop's configured retry count. */
  maxFrom: "payload" | "settings";
}

/** The event type for a number of retries left (Loop's three descriptions). */
export function paymentFailureType(retriesLeft: number): PaymentFailureType {
  if (retriesLeft >= 2) return "payment_attempt_failed_with_retries_left";
  if (retriesLeft === 1) return "payment_attempt_failed_last_retry_left";
  return "payment_attempt_failed";
}

const num = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? Math.floor(v) : null);
const nonNeg = (v: number): number => Math.max(0, v);

export function classifyPaymentFailure(counters: PaymentRetryCounters, configuredRetryCount: number): PaymentFailureClassification {
  const configured = nonNeg(num(configuredRetryCount) ?? 0);
  const left = num(counters.retriesLeft);
  const done = num(counters.retriesDone);
  const attempt = num(counters.attemptNumber);
  const maxR = num(counters.maxRetries);
  const maxA = num(counters.maxAttempts);
  const prior = num(counters.priorFailures);
  const payloadMax = maxR ?? (maxA !== null ? maxA - 1 : null);

  const result = (
    rule: PaymentFailureClassification["rule"],
    retriesDone: number,
    maxRetries: number,
    retriesFrom: PaymentFailureClassification["retriesFrom"],
    maxFrom: PaymentFailureClassification["maxFrom"],
    retriesLeftOverride?: number,
  ): PaymentFailureClassification => {
    const d = nonNeg(retriesDone);
    const m = nonNeg(maxRetries);
    const l = nonNeg(retriesLeftOverride ?? m - d);
    return { type: paymentFailureType(l), retriesLeft: l, retriesDone: d, maxRetries: Math.max(m, d + l), attemptNumber: d + 1, rule, retriesFrom, maxFrom };
  };

  // 1. explicit retries left
  if (left !== null) {
    const l = nonNeg(left);
    const d = done ?? (attempt !== null ? attempt - 1 : null);
    if (d !== null) return result(1, d, payloadMax ?? d + l, "payload", "payload", l);
    if (payloadMax !== null) return result(1, payloadMax - l, payloadMax, "payload", "payload", l);
    return result(1, Math.max(configured, l) - l, Math.max(configured, l), "payload", "settings", l);
  }
  // 2. retries done + max retries
  if (done !== null && maxR !== null) return result(2, done, maxR, "payload", "payload");
  // 3. attempt + max attempts
  if (attempt !== null && maxA !== null) return result(3, attempt - 1, maxA - 1, "payload", "payload");
  // 4. attempt + max retries
  if (attempt !== null && maxR !== null) return result(4, attempt - 1, maxR, "payload", "payload");
  // 5. retries done + max attempts
  if (done !== null && maxA !== null) return result(5, done, maxA - 1, "payload", "payload");
  // 6. a counter without a maximum → the shop's configured retry count
  if (done !== null) return result(6, done, configured, "payload", "settings");
  if (attempt !== null) return result(6, attempt - 1, configured, "payload", "settings");
  // 7. no counter: the caller's count of earlier failures for the same order
  if (prior !== null) return result(7, prior, payloadMax ?? configured, "counted", payloadMax !== null ? "payload" : "settings");
  // 8. nothing: assume the first failure
  return result(8, 0, payloadMax ?? configured, "assumed-first", payloadMax !== null ? "payload" : "settings");
}

const retries = (n: number): string => (n === 1 ? "1 retry" : `${n} retries`);

/**
 * The classification in plain words, stored with the prepared event so the merchant and support can read why a
 * failure got its type: which rule decided, and from what (the payload, the count of earlier failures, Settings).
 */
export function describePaymentFailureDecision(c: PaymentFailureClassification, orderId: string | null): string {
  const failures = (n: number) => (n === 1 ? "1 earlier failure" : `${n} earlier failures`);
  const position =
    c.retriesFrom === "counted"
      ? `Retry position counted from ${failures(c.retriesDone)} of order ${orderId ?? "(no id)"}`
      : c.retriesFrom === "assumed-first"
        ? "Loop sent no retry counter and earlier failures of the order were not counted, so this is taken as the first failure"
        : c.rule === 1
          ? `Retries left read from Loop's payload (${c.retriesLeft})`
          : `Retry position read from Loop's payload (${retries(c.retriesDone)} made before this failure)`;
  const maximum = `maximum ${retries(c.maxRetries)} from ${c.maxFrom === "settings" ? "Settings" : "Loop's payload"}`;
  return `${position}; ${maximum}: ${retries(c.retriesLeft)} left, so ${c.type} (rule ${c.rule}).`;
}

