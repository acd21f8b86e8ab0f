// The Content-Security-Policy nonce of the document being rendered on the server (set by entry.server.tsx for
// pages that send a nonce-based policy, the support console's), so root.tsx can put it on Remix's inline
// scripts. Undefined in the browser and for pages without such a policy.
import { createContext } from "react";

export const NonceContext = createContext<string | undefined>(undefined);
