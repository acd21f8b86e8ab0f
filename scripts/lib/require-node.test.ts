import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { INSTALLED_FOR_FILE, nodeProblem } from "./require-node";

const versions = (node: string, modules: string) => ({ ...process.versions, node, modules });

describe("the Node.js this project runs on", () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  function project(installedFor?: string): string {
    const root = mkdtempSync(path.join(os.tmpdir(), "lp-node-"));
    roots.push(root);
    mkdirSync(path.join(root, "node_modules"));
    if (installedFor) writeFileSync(path.join(root, INSTALLED_FOR_FILE), `${installedFor}\n`);
    return root;
  }

  it("refuses a Node older than 22, naming the version", () => {
    expect(nodeProblem(project(), versions("20.20.2", "115"))).toMatch(/needs Node\.js 22 or newer; this is Node\.js 20\.20\.2/);
  });

  it("refuses packages installed by another Node (their native modules would crash)", () => {
    expect(nodeProblem(project("115"), versions("22.23.3", "127"))).toMatch(/installed with another Node\.js \(ABI 115\)/);
  });

  it("accepts Node 22 or newer with packages installed by it, or not recorded", () => {
    expect(nodeProblem(project("127"), versions("22.23.3", "127"))).toBeNull();
    expect(nodeProblem(project("137"), versions("24.1.0", "137"))).toBeNull();
    expect(nodeProblem(project(), versions("22.0.0", "127"))).toBeNull();
  });
});
