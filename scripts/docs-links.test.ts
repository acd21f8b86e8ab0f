// Every relative link in README.md, docs/ and the stand-ins' READMEs points to a file that exists, and to a
// heading that exists when it names one, so moving or renaming a document cannot leave readers at a dead end.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith(".md") ? [full] : [];
  });
}

/** The text a reader sees as prose: fenced blocks, indented code and inline code hold no links. */
function prose(markdown: string): string {
  return markdown
    .replace(/^```[\s\S]*?^```/gm, "")
    .replace(/^(?: {4}|\t).*$/gm, "")
    .replace(/`[^`\n]*`/g, "");
}

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count ? `${base}-${count}` : base);
  }
  return result;
}

/** "file: target" for each relative link in the files that leads nowhere. */
function brokenLinks(files: string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const match of prose(text).matchAll(/!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [linkPath, anchor] = target.split("#", 2);
      const resolved = linkPath ? path.resolve(path.dirname(file), decodeURIComponent(linkPath)) : file;
      const where = `${path.relative(ROOT, file)}: ${target}`;
      if (!existsSync(resolved)) broken.push(where);
      else if (anchor && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor)) broken.push(where);
    }
  }
  return broken;
}

describe("documentation links", () => {
  it("lead to files and headings that exist, from README.md, every file under docs/ and the stand-ins' READMEs", () => {
    const files = [path.join(ROOT, "README.md"), ...markdownFiles(path.join(ROOT, "docs")), ...markdownFiles(path.join(ROOT, "sandbox"))];
    expect(files.length).toBeGreaterThan(5);
    expect(brokenLinks(files)).toEqual([]);
  });

  it("are reported when the file or the heading is missing", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "docs-links-"));
    writeFileSync(path.join(dir, "a.md"), "# Title\n\n## Rate limits: 15/s\n");
    const page = path.join(dir, "b.md");
    writeFileSync(
      page,
      [
        "[ok](a.md) [ok](a.md#rate-limits-15s) [ok](#here) [web](https://example.com/x.md)",
        "[gone](missing.md) [no heading](a.md#nowhere)",
        "`[code](ignored.md)`",
        "# Here",
      ].join("\n"),
    );
    expect(brokenLinks([page]).map((line) => line.split(": ")[1])).toEqual(["missing.md", "a.md#nowhere"]);
  });
});
