import { describe, expect, it } from "vitest";
import { mapEvent } from "../../tests/support/loop-fixtures";
import { classifyPaymentFailure, paymentFailureType } from "./payment-failure";

describe("paymentFailureType: retries left → event type", () => {
  it.each([
    [5, "payment_attempt_failed_with_retries_left"],
    [2, "payment_attempt_failed_with_retries_left"],
    [1, "payment_attempt_failed_last_retry_left"],
    [0, "payment_attempt_failed"],
    [-1, "payment_attempt_failed"],
  ])("%i retries left → %s", (left, type) => {
    expect(paymentFailureType(left)).toBe(type);
  });
});

describe("classifyPaymentFailure: every rule", () => {
  it("rule 1: explicit retries left wins over everything", () => {
    expect(classifyPaymentFailure({ retriesLeft: 1, retriesDone: 0, maxRetries: 5 }, 9)).toEqual({
      type: "payment_attempt_failed_last_retry_left",
      retriesLeft: 1,
      retriesDone: 0,
      maxRetries: 5,
      attemptNumber: 1,
      rule: 1,
      retriesFrom: "payload",
      maxFrom: "payload",
    });
    // position from the attempt number
    expect(classifyPaymentFailure({ retriesLeft: 2, attemptNumber: 2 }, 0)).toMatchObject({ retriesDone: 1, maxRetries: 3, rule: 1, maxFrom: "payload" });
    // with a payload maximum only
    expect(classifyPaymentFailure({ retriesLeft: 2, maxAttempts: 4 }, 0)).toMatchObject({
      type: "payment_attempt_failed_with_retries_left",
      retriesDone: 1,
      maxRetries: 3,
      attemptNumber: 2,
      rule: 1,
      maxFrom: "payload",
    });
    // alone: the configured count fills in the position
    expect(classifyPaymentFailure({ retriesLeft: 0 }, 3)).toMatchObject({ type: "payment_attempt_failed", retriesDone: 3, maxRetries: 3, attemptNumber: 4, rule: 1, maxFrom: "settings" });
    expect(classifyPaymentFailure({ retriesLeft: 4 }, 2)).toMatchObject({ retriesLeft: 4, retriesDone: 0, maxRetries: 4, rule: 1 });
  });

  it("rule 2: retries done + max retries", () => {
    expect(classifyPaymentFailure({ retriesDone: 0, maxRetries: 3 }, 0)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", retriesLeft: 3, attemptNumber: 1, rule: 2 });
    expect(classifyPaymentFailure({ retriesDone: 2, maxRetries: 3 }, 0)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", retriesLeft: 1, rule: 2 });
    expect(classifyPaymentFailure({ retriesDone: 3, maxRetries: 3 }, 0)).toMatchObject({ type: "payment_attempt_failed", retriesLeft: 0, attemptNumber: 4, rule: 2 });
    // inconsistent counters (more retries than allowed) clamp to 0 left
    expect(classifyPaymentFailure({ retriesDone: 5, maxRetries: 3 }, 0)).toMatchObject({ type: "payment_attempt_failed", retriesLeft: 0, retriesDone: 5, maxRetries: 5 });
  });

  it("rule 3: attempt number + max attempts (first charge included)", () => {
    expect(classifyPaymentFailure({ attemptNumber: 1, maxAttempts: 4 }, 0)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", retriesLeft: 3, retriesDone: 0, maxRetries: 3, rule: 3 });
    expect(classifyPaymentFailure({ attemptNumber: 3, maxAttempts: 4 }, 0)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", retriesLeft: 1, rule: 3 });
    expect(classifyPaymentFailure({ attemptNumber: 4, maxAttempts: 4 }, 0)).toMatchObject({ type: "payment_attempt_failed", retriesLeft: 0, rule: 3 });
  });

  it("rule 4: attempt number + max retries", () => {
    expect(classifyPaymentFailure({ attemptNumber: 2, maxRetries: 2 }, 9)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", retriesLeft: 1, retriesDone: 1, rule: 4 });
  });

  it("rule 5: retries done + max attempts", () => {
    expect(classifyPaymentFailure({ retriesDone: 0, maxAttempts: 2 }, 9)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", retriesLeft: 1, maxRetries: 1, rule: 5 });
  });

  it("rule 6: a counter without a maximum uses the shop's configured retry count", () => {
    expect(classifyPaymentFailure({ retriesDone: 1 }, 4)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", retriesLeft: 3, maxFrom: "settings", rule: 6 });
    expect(classifyPaymentFailure({ retriesDone: 3 }, 4)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", retriesLeft: 1, rule: 6 });
    expect(classifyPaymentFailure({ attemptNumber: 5 }, 4)).toMatchObject({ type: "payment_attempt_failed", retriesLeft: 0, retriesDone: 4, rule: 6 });
  });

  it("rule 7: no counter, the caller counted earlier failures of the same order", () => {
    expect(classifyPaymentFailure({ priorFailures: 0 }, 3)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", retriesLeft: 3, retriesFrom: "counted", maxFrom: "settings", rule: 7 });
    expect(classifyPaymentFailure({ priorFailures: 2 }, 3)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", rule: 7 });
    expect(classifyPaymentFailure({ priorFailures: 3 }, 3)).toMatchObject({ type: "payment_attempt_failed", rule: 7 });
    expect(classifyPaymentFailure({ priorFailures: 1, maxRetries: 2 }, 9)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", maxFrom: "payload", rule: 7 });
    // a payload counter beats the caller's count
    expect(classifyPaymentFailure({ priorFailures: 3, retriesDone: 0 }, 3)).toMatchObject({ retriesLeft: 3, rule: 6 });
  });

  it("rule 8: nothing at all → assumed to be the first failure", () => {
    expect(classifyPaymentFailure({}, 3)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", retriesLeft: 3, attemptNumber: 1, retriesFrom: "assumed-first", maxFrom: "settings", rule: 8 });
    expect(classifyPaymentFailure({}, 1)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", rule: 8 });
    expect(classifyPaymentFailure({}, 0)).toMatchObject({ type: "payment_attempt_failed", rule: 8 });
    expect(classifyPaymentFailure({ maxRetries: 1 }, 5)).toMatchObject({ type: "payment_attempt_failed_last_retry_left", maxFrom: "payload", rule: 8 });
  });

  it("cleans up nonsense configuration and counters", () => {
    expect(classifyPaymentFailure({}, Number.NaN)).toMatchObject({ type: "payment_attempt_failed", maxRetries: 0 });
    expect(classifyPaymentFailure({}, -2)).toMatchObject({ type: "payment_attempt_failed", maxRetries: 0 });
    expect(classifyPaymentFailure({}, 2.9)).toMatchObject({ type: "payment_attempt_failed_with_retries_left", maxRetries: 2 });
    expect(classifyPaymentFailure({ retriesDone: -1, maxRetries: 2 }, 0)).toMatchObject({ retriesDone: 0, retriesLeft: 2 });
    expect(classifyPaymentFailure({ retriesDone: null, maxRetries: null }, 1)).toMatchObject({ rule: 8 });
  });
});

describe("order/paymentFailed end to end (generator fixtures)", () => {
  const STATES = [
    [{ retriesDone: 0, maxRetries: 3 }, "payment_attempt_failed_with_retries_left", 3],
    [{ retriesDone: 1, maxRetries: 3 }, "payment_attempt_failed_with_retries_left", 2],
    [{ retriesDone: 2, maxRetries: 3 }, "payment_attempt_failed_last_retry_left", 1],
    [{ retriesDone: 3, maxRetries: 3 }, "payment_attempt_failed", 0],
    [{ retriesDone: 0, maxRetries: 1 }, "payment_attempt_failed_last_retry_left", 1],
    [{ retriesDone: 0, maxRetries: 0 }, "payment_attempt_failed", 0],
  ] as const;

  for (const retryInfo of ["paymentRetryCount", "attemptCount", "billingAttempt"] as const) {
    for (const [retryState, type, left] of STATES) {
      it(`${retryInfo} ${JSON.stringify(retryState)} → ${type} (configured count ignored)`, () => {
        // The configured count (9) is deliberately wrong: the payload's counters must win.
        const m = mapEvent("order/paymentFailed", { retryInfo, retryState }, { settings: { paymentRetryCount: 9 } });
        expect(m.type).toBe(type);
        expect(m.event.type).toBe(type);
        expect(m.event.properties).toMatchObject({ retries_left: left, retry_count: retryState.retriesDone, max_retries: retryState.maxRetries, attempt_number: retryState.retriesDone + 1 });
        expect(m.facts).toMatchObject({ retriesLeft: left, retriesFrom: "payload" });
      });
    }
  }

  it("billingAttempt.nextRetryAtEpoch becomes next_retry_date while retries are left", () => {
    const m = mapEvent("order/paymentFailed", { retryInfo: "billingAttempt", retryState: { retriesDone: 1, maxRetries: 3 } });
    expect(m.event.properties?.next_retry_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const last = mapEvent("order/paymentFailed", { retryInfo: "billingAttempt", retryState: { retriesDone: 3, maxRetries: 3 } });
    expect(last.event.properties).not.toHaveProperty("next_retry_date");
  });

  it("no next_retry_date once no retries are left, even if the payload names one", () => {
    const m = mapEvent("order/paymentFailed", { retryInfo: "none", overrides: { nextRetryAt: "2025-06-03T12:00:00Z" } }, { settings: { paymentRetryCount: 0 } });
    expect(m.type).toBe("payment_attempt_failed");
    expect(m.event.properties).not.toHaveProperty("next_retry_date");
    const left = mapEvent("order/paymentFailed", { retryInfo: "none", overrides: { nextRetryAt: "2025-06-03T12:00:00Z" } }, { settings: { paymentRetryCount: 2 } });
    expect(left.event.properties?.next_retry_date).toBe("2025-06-03");
  });

  it.each([
    [3, undefined, "payment_attempt_failed_with_retries_left", 8],
    [1, undefined, "payment_attempt_failed_last_retry_left", 8],
    [0, undefined, "payment_attempt_failed", 8],
    [3, 0, "payment_attempt_failed_with_retries_left", 7],
    [3, 2, "payment_attempt_failed_last_retry_left", 7],
    [3, 3, "payment_attempt_failed", 7],
  ])("no retry info: configured %i, %s earlier failures → %s", (paymentRetryCount, paymentFailuresBefore, type, rule) => {
    const m = mapEvent("order/paymentFailed", { retryInfo: "none" }, { settings: { paymentRetryCount }, paymentFailuresBefore });
    expect(m.type).toBe(type);
    expect(m.facts.retriesFrom).toBe(rule === 8 ? "assumed-first" : "counted");
  });

  it("external_id does not depend on the classification", () => {
    const a = mapEvent("order/paymentFailed", { retryInfo: "none" }, { settings: { paymentRetryCount: 3 } });
    const b = mapEvent("order/paymentFailed", { retryInfo: "none" }, { settings: { paymentRetryCount: 0 } });
    expect(a.type).not.toBe(b.type);
    expect(a.event.external_id).toBe(b.event.external_id);
  });
});

describe("the decision in plain words (stored with the prepared event)", () => {
  const order = { overrides: { id: 21777518 } } as const;
  it.each([
    [0, "Retry position counted from 0 earlier failures of order 21777518; maximum 3 retries from Settings: 3 retries left, so payment_attempt_failed_with_retries_left (rule 7)."],
    [2, "Retry position counted from 2 earlier failures of order 21777518; maximum 3 retries from Settings: 1 retry left, so payment_attempt_failed_last_retry_left (rule 7)."],
    [3, "Retry position counted from 3 earlier failures of order 21777518; maximum 3 retries from Settings: 0 retries left, so payment_attempt_failed (rule 7)."],
  ])("counted: %i earlier failures", (paymentFailuresBefore, text) => {
    expect(mapEvent("order/paymentFailed", { retryInfo: "none", ...order }, { paymentFailuresBefore }).typeDecision).toBe(text);
  });

  it("read from the payload, with the maximum from the payload or from Settings", () => {
    expect(mapEvent("order/paymentFailed", { retryInfo: "paymentRetryCount", retryState: { retriesDone: 1, maxRetries: 4 } }).typeDecision).toBe(
      "Retry position read from Loop's payload (1 retry made before this failure); maximum 4 retries from Loop's payload: 3 retries left, so payment_attempt_failed_with_retries_left (rule 2).",
    );
    expect(mapEvent("order/paymentFailed", { retryInfo: "none", overrides: { paymentRetryCount: 2 } }).typeDecision).toBe(
      "Retry position read from Loop's payload (2 retries made before this failure); maximum 3 retries from Settings: 1 retry left, so payment_attempt_failed_last_retry_left (rule 6).",
    );
  });

  it("nothing counted: the first-failure assumption says so", () => {
    const m = mapEvent("order/paymentFailed", { retryInfo: "none" });
    expect(m.typeDecision).toBe(
      "Loop sent no retry counter and earlier failures of the order were not counted, so this is taken as the first failure; maximum 3 retries from Settings: 3 retries left, so payment_attempt_failed_with_retries_left (rule 8).",
    );
  });

  it("other events have no decision to show", () => {
    expect(mapEvent("order/processed").typeDecision).toBeNull();
  });
});
