// The second step of sign-in for staff with a TOTP authenticator: the current 6-digit code.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { TextField } from "@shopify/polaris";
import { useState } from "react";
import { SignInCard } from "~/components/support/SignInCard";
import { getDatabase } from "~/db.server";
import { supportRedirect as redirect } from "~/support/headers.server";
import { recordAudit } from "~/support/audit.server";
import { clientOf, safeNext, sameOrigin, SIGN_IN_PATH, verifySecondFactor } from "~/support/auth.server";
import { clearSessionCookie, constantTimeEqual, lookupSession } from "~/support/sessions.server";

export const meta: MetaFunction = () => [{ title: "Enter your code · Support console" }, { name: "robots", content: "noindex, nofollow" }];

async function pending(request: Request) {
  const lookup = await lookupSession(getDatabase(), request);
  if (lookup.state !== "ok") throw redirect(SIGN_IN_PATH, lookup.state === "ended" ? { headers: { "Set-Cookie": clearSessionCookie() } } : undefined);
  if (lookup.session.stage !== "totp") throw redirect("/support/shops");
  return lookup;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const lookup = await pending(request);
  return { csrf: lookup.session.csrfToken, next: safeNext(new URL(request.url).searchParams.get("next")) };
};

export const action = async (args: ActionFunctionArgs) => {
  const { request } = args;
  const db = getDatabase();
  const lookup = await pending(request);
  const form = await request.formData();
  const client = clientOf(args);
  const csrf = form.get("csrf");
  if (!sameOrigin(request) || typeof csrf !== "string" || !constantTimeEqual(csrf, lookup.session.csrfToken)) {
    await recordAudit(db, { user: { id: lookup.user.id, email: lookup.user.email }, action: "csrf.rejected", outcome: "rejected", details: { path: "/support/sign-in/verify" }, client });
    return Response.json({ error: "The form expired. Reload the page and try again." }, { status: 403 });
  }
  const result = await verifySecondFactor(db, request, form.get("code"), client);
  if (result.ok) return redirect(safeNext(String(form.get("next") ?? "")), { headers: { "Set-Cookie": result.setCookie } });
  if (result.restart) return redirect(`${SIGN_IN_PATH}`, { headers: { "Set-Cookie": clearSessionCookie() } });
  return Response.json({ error: result.message }, { status: 401 });
};

export default function VerifyCode() {
  const { csrf, next } = useLoaderData<typeof loader>();
  const actionData = useActionData<{ error?: string }>();
  const [code, setCode] = useState("");
  return (
    <SignInCard
      title="Enter your code"
      intro="Open your authenticator app and enter the 6-digit code for the support console."
      error={actionData?.error}
      csrf={csrf}
      next={next}
      submitLabel="Verify"
    >
      <TextField label="Code" name="code" autoComplete="one-time-code" inputMode="numeric" maxLength={6} value={code} onChange={setCode} />
    </SignInCard>
  );
}
