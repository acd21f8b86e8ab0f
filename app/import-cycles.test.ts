// The import graph of app/ and server/ has no circles (docs/architecture.md). ESLint checks which layer may
// import which; a circle can also form inside one layer, so this builds the whole graph (type imports
// included, resolved as TypeScript resolves them, ~/ alias too) and names every circle it finds.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Each project file of app/ and server/ with the project files it imports (paths relative to the root). */
function importGraph(): Map<string, string[]> {
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile).config, ts.sys, ROOT);
  const cache = ts.createModuleResolutionCache(ROOT, (name) => name, config.options);
  const graph = new Map<string, string[]>();
  for (const file of [...sourceFiles("app"), ...sourceFiles("server")]) {
    const imported = ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles;
    const targets = imported
      .map((ref) => ts.resolveModuleName(ref.fileName, file, config.options, ts.sys, cache).resolvedModule)
      .filter((module): module is ts.ResolvedModuleFull => Boolean(module) && !module!.isExternalLibraryImport)
      .map((module) => path.relative(ROOT, module.resolvedFileName));
    graph.set(path.relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected groups of more than one file (or a file importing itself), by Tarjan's algorithm. */
function circularGroups(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      if (group.length > 1 || graph.get(file)!.includes(file)) groups.push(group.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return groups;
}

/** One circle through the group's first file, as the chain of imports a reader can follow. */
function oneCircle(graph: Map<string, string[]>, group: string[]): string {
  const members = new Set(group);
  const start = group[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const chain = [file];
        while (chain[0] !== start) chain.unshift(cameFrom.get(chain[0])!);
        return [...chain, start].join(" → ");
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, file);
        queue.push(next);
      }
    }
  }
  return group.join(", ");
}

describe("import graph", () => {
  const graph = importGraph();

  it("is read for every file of app/ and server/, ~/ imports resolved", () => {
    expect(graph.get("app/routes/app.events.replay.tsx")).toContain("app/delivery/replay-request.server.ts");
    expect(graph.get("server/index.ts")?.length).toBeGreaterThan(0);
  });

  it("has no circles", () => {
    const circles = circularGroups(graph).map((group) => oneCircle(graph, group));
    expect(circles).toEqual([]);
  });
});
