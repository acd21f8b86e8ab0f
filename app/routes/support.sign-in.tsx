// Staff sign-in: email and password, then (for users who enrolled one) a TOTP code on the next page. One
// message for every failure, so the page never tells whether an email belongs to a member of staff.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { TextField } from "@shopify/polaris";
import { useState } from "react";
import { SignInCard } from "~/components/support/SignInCard";
import { getDatabase } from "~/db.server";
import { supportRedirect as redirect } from "~/support/headers.server";
import { anonymousThrottle, clientOf, currentStaff, HOME_PATH, refuseAnonymously, safeNext, SECOND_FACTOR_PATH, sameOrigin, signIn } from "~/support/auth.server";
import { clearSignInCookie, newSignInToken, signInTokenMatches } from "~/support/sessions.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Support console" }, { name: "robots", content: "noindex, nofollow" }];

const NOTICES = new Set(["Your session has ended. Sign in again.", "Your session timed out. Sign in again.", "You are signed out."]);

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { staff, pendingSecondFactor } = await currentStaff(request);
  const url = new URL(request.url);
  if (staff) throw redirect(safeNext(url.searchParams.get("next")));
  if (pendingSecondFactor) throw redirect(SECOND_FACTOR_PATH);
  const { token, setCookie } = newSignInToken();
  const notice = url.searchParams.get("notice");
  return Response.json(
    { csrf: token, next: safeNext(url.searchParams.get("next")), notice: notice && NOTICES.has(notice) ? notice : null },
    { headers: { "Set-Cookie": setCookie } },
  );
};

export const action = async (args: ActionFunctionArgs) => {
  const { request } = args;
  const db = getDatabase();
  const client = clientOf(args);
  const throttled = await anonymousThrottle(db, client);
  if (throttled) return throttled;
  const form = await request.formData();
  if (!sameOrigin(request) || !signInTokenMatches(request, form.get("csrf"))) {
    await refuseAnonymously(db, client, "csrf.rejected");
    return Response.json({ error: "The sign-in form expired. Reload the page and sign in again." }, { status: 403 });
  }
  const result = await signIn(db, { email: form.get("email"), password: form.get("password") }, client);
  if (!result.ok) {
    return Response.json({ error: result.message }, { status: result.message.startsWith("Too many") ? 429 : 401 });
  }
  const headers = new Headers();
  headers.append("Set-Cookie", result.setCookie);
  headers.append("Set-Cookie", clearSignInCookie());
  const next = safeNext(String(form.get("next") ?? HOME_PATH));
  return redirect(result.secondFactor ? `${SECOND_FACTOR_PATH}?next=${encodeURIComponent(next)}` : next, { headers });
};

export default function SignIn() {
  const { csrf, next, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<{ error?: string }>();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  return (
    <SignInCard
      title="Sign in"
      intro="For the support team. Every shop you open and every action you take is recorded."
      notice={notice}
      error={actionData?.error}
      csrf={csrf}
      next={next}
      submitLabel="Sign in"
    >
      <TextField label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} requiredIndicator />
      <TextField label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} requiredIndicator />
    </SignInCard>
  );
}
