// Personal data as support staff see it: enough to recognise a customer the merchant names ("jo…@ex….com",
// "+1 ••• ••• ••67"), not enough to contact them.

export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const at = email.lastIndexOf("@");
  if (at <= 0) return "•••";
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : "";
  const keep = (text: string, n: number) => (text.length <= n ? text.slice(0, 1) : text.slice(0, n));
  return `${keep(local, 2)}•••@${keep(host, 1)}•••${tld}`;
}

export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 6) return "•••";
  const plus = phone.trim().startsWith("+");
  const country = plus ? digits.slice(0, digits.length > 10 ? digits.length - 10 : 1) : "";
  return `${plus ? `+${country} ` : ""}••• ••• ••${digits.slice(-2)}`;
}
