// The layer rule in eslint.config.js (docs/architecture.md) rejects what it should and lets the rest through:
// it is generated from a table, so a mistake there would otherwise pass silently.
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: path.resolve(__dirname, "..") });

/** The messages of the layer rule for one import written in `file`. */
async function layerProblems(file: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [value];\n`, { filePath: file });
  return result.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer rule", () => {
  it("rejects an import from a layer above", async () => {
    expect(await layerProblems("app/secrets/example.ts", 'import { value } from "~/connections/secret-contexts";')).toEqual([
      expect.stringContaining("app/secrets is in the core layer and must not import app/connections"),
    ]);
    expect(await layerProblems("app/db/example.ts", 'import { value } from "../shopify.server";')).toHaveLength(1);
    expect(await layerProblems("app/events/example.ts", 'export { value } from "~/routes/app.tsx";')).toHaveLength(1);
  });

  it("rejects statistics reaching into delivery, relative or through the alias", async () => {
    expect(await layerProblems("app/statistics/example.ts", 'import { value } from "../delivery/replay.server";')).toHaveLength(1);
    expect(await layerProblems("app/statistics/example.ts", 'import type { value } from "~/delivery/policy";')).toHaveLength(1);
  });

  it("rejects a stand-in or test helper imported by app code, test helpers included", async () => {
    expect(await layerProblems("app/events/example.ts", 'import { value } from "../../sandbox/loop/payloads";')).toHaveLength(1);
    expect(await layerProblems("app/events/example.testutil.ts", 'import { value } from "../../sandbox/loop/payloads";')).toHaveLength(1);
    expect(await layerProblems("server/example.ts", 'import { value } from "../tests/support/wait";')).toHaveLength(1);
  });

  it("allows imports of the same layer or below, the listed feature neighbours, and anything in a test", async () => {
    expect(await layerProblems("app/delivery/example.ts", 'import { value } from "~/statistics/rollups.server";')).toEqual([]);
    expect(await layerProblems("app/support/example.ts", 'import { value } from "~/delivery/holds.server";')).toEqual([]);
    expect(await layerProblems("app/connections/example.ts", 'import { value } from "~/events/catalogue";')).toEqual([]);
    expect(await layerProblems("app/routes/example.tsx", 'import { value } from "~/db.server";')).toEqual([]);
    expect(await layerProblems("app/secrets/example.test.ts", 'import { value } from "../../sandbox/loop/payloads";')).toEqual([]);
  });
});
