// The additional data each sealed secret is bound to (see app/secrets/secrets.server.ts): the shop and what the
// secret is for. A ciphertext copied into another shop's row, or from the key column into the token column,
// then fails to open. Sealing, opening and key rotation all take the context from here, so they cannot drift.

export const postscriptKeyContext = (shopDomain: string) => `${shopDomain}:postscript-key`;

export const loopTokenContext = (shopDomain: string) => `${shopDomain}:loop-token`;

/** Per Loop webhook subscription; "*" for secrets the merchant pasted for webhooks they created in Loop. */
export const loopWebhookSecretContext = (shopDomain: string, loopWebhookId: string | null) =>
  `${shopDomain}:loop-webhook:${loopWebhookId ?? "*"}`;

/** The Loop token a pending webhook removal keeps after the uninstall erased the connection's copy. */
export const loopWebhookRemovalTokenContext = (shopDomain: string) => `${shopDomain}:loop-token:webhook-removal`;
