// Sign-out: a form post (with the session's CSRF token) that deletes the session row, so the cookie opens
// nothing any more, even if a copy of it survives somewhere.
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDatabase } from "~/db.server";
import { supportRedirect as redirect } from "~/support/headers.server";
import { clientOf, requirePost, signOut, SIGN_IN_PATH } from "~/support/auth.server";

export const loader = () => redirect("/support/shops");

export const action = async (args: ActionFunctionArgs) => {
  const db = getDatabase();
  const form = await args.request.formData();
  const staff = await requirePost(args, form, "viewer", "sign_out", db);
  const setCookie = await signOut(db, staff, clientOf(args));
  return redirect(`${SIGN_IN_PATH}?notice=${encodeURIComponent("You are signed out.")}`, { headers: { "Set-Cookie": setCookie } });
};

export default function SignOut() {
  return null;
}
