// The test recipient's mobile number, as Settings and the Set up tab's test card both ask for it.
import { TextField } from "@shopify/polaris";

export function TestPhoneField({ label, value, onChange, error }: { label: string; value: string; onChange(value: string): void; error?: string }) {
  return (
    <TextField
      label={label}
      name="testPhone"
      type="tel"
      value={value}
      onChange={onChange}
      autoComplete="tel"
      placeholder="+1 212 555 0100"
      helpText="With the country code."
      error={error}
    />
  );
}
