// /support itself: the shop list lives at /support/shops. (The session cookie is limited to /support/…, and
// the browser's data request for this URL, /support.data, is outside that path, so no page is served here.)
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { HOME_PATH } from "~/support/auth.server";
import { supportRedirect } from "~/support/headers.server";

export const meta: MetaFunction = () => [{ title: "Support console · Loop → Postscript" }, { name: "robots", content: "noindex, nofollow" }];

export const loader = ({ request }: LoaderFunctionArgs) => {
  const search = new URL(request.url).search;
  return supportRedirect(`${HOME_PATH}${search}`);
};
