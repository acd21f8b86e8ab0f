// A deliberately tiny GraphQL reader for the Shopify Admin stand-in: enough to tell which operation and root
// fields a request asks for, their arguments, aliases and nested selections. No fragments, no directives
// evaluation, no type system beyond the small schema table in server.ts. Not a GraphQL engine.

export class GraphQLSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

type TokenKind = "name" | "punct" | "string" | "number" | "eof";
interface Token {
  kind: TokenKind;
  value: string;
  line: number;
  column: number;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (kind: TokenKind, value: string, start: number) => tokens.push({ kind, value, line, column: start - lineStart + 1 });
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "," || c === "\ufeff") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (src.startsWith("...", i)) {
      push("punct", "...", i);
      i += 3;
      continue;
    }
    if ("!$()[]{}:=@|&".includes(c)) {
      push("punct", c, i);
      i++;
      continue;
    }
    if (src.startsWith('"""', i)) {
      const end = src.indexOf('"""', i + 3);
      if (end < 0) throw new GraphQLSyntaxError("Unterminated block string", line, i - lineStart + 1);
      const value = src.slice(i + 3, end);
      push("string", value, i);
      for (const ch of value) if (ch === "\n") line++;
      i = end + 3;
      continue;
    }
    if (c === '"') {
      const start = i;
      let value = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\n") throw new GraphQLSyntaxError("Unterminated string", line, start - lineStart + 1);
        if (src[i] === "\\") {
          const e = src[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", '"': '"', "\\": "\\", "/": "/" };
          if (e === "u") {
            value += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            value += map[e] ?? e;
            i += 2;
          }
          continue;
        }
        value += src[i++];
      }
      if (src[i] !== '"') throw new GraphQLSyntaxError("Unterminated string", line, start - lineStart + 1);
      i++;
      push("string", value, start);
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i, i + 64));
    if (num) {
      push("number", num[0], i);
      i += num[0].length;
      continue;
    }
    const name = /^[_A-Za-z][_0-9A-Za-z]*/.exec(src.slice(i, i + 256));
    if (name) {
      push("name", name[0], i);
      i += name[0].length;
      continue;
    }
    throw new GraphQLSyntaxError(`Parse error on "${c}"`, line, i - lineStart + 1);
  }
  tokens.push({ kind: "eof", value: "", line, column: i - lineStart + 1 });
  return tokens;
}

export type Value =
  | { kind: "variable"; name: string }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "enum"; value: string }
  | { kind: "list"; values: Value[] }
  | { kind: "object"; fields: Record<string, Value> };

export interface Field {
  alias?: string;
  name: string;
  args: Record<string, Value>;
  selections: Field[] | null;
  line: number;
  column: number;
}

export interface Operation {
  type: "query" | "mutation" | "subscription";
  name?: string;
  variables: Array<{ name: string; type: string; defaultValue?: Value }>;
  selections: Field[];
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private fail(t: Token, what: string): never {
    const shown = t.kind === "eof" ? "end of file" : `"${t.value}"`;
    throw new GraphQLSyntaxError(`Parse error on ${shown} (expected ${what})`, t.line, t.column);
  }
  private expectPunct(p: string): Token {
    const t = this.next();
    if (t.kind !== "punct" || t.value !== p) this.fail(t, p);
    return t;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === "punct" && t.value === p;
  }
  private name(): Token {
    const t = this.next();
    if (t.kind !== "name") this.fail(t, "a name");
    return t;
  }

  document(): Operation[] {
    const ops: Operation[] = [];
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      if (t.kind === "name" && t.value === "fragment") {
        throw new GraphQLSyntaxError("Fragments are not supported by this stand-in", t.line, t.column);
      }
      ops.push(this.operation());
    }
    if (ops.length === 0) throw new GraphQLSyntaxError("Document contains no operations", 1, 1);
    return ops;
  }

  private operation(): Operation {
    if (this.isPunct("{")) return { type: "query", variables: [], selections: this.selectionSet() };
    const t = this.name();
    if (t.value !== "query" && t.value !== "mutation" && t.value !== "subscription") this.fail(t, "query, mutation or {");
    const op: Operation = { type: t.value, variables: [], selections: [] };
    if (this.peek().kind === "name") op.name = this.next().value;
    if (this.isPunct("(")) {
      this.next();
      while (!this.isPunct(")")) {
        this.expectPunct("$");
        const name = this.name().value;
        this.expectPunct(":");
        const type = this.typeRef();
        let defaultValue: Value | undefined;
        if (this.isPunct("=")) {
          this.next();
          defaultValue = this.value();
        }
        op.variables.push({ name, type, ...(defaultValue ? { defaultValue } : {}) });
      }
      this.next();
    }
    this.directives();
    op.selections = this.selectionSet();
    return op;
  }

  private typeRef(): string {
    let out: string;
    if (this.isPunct("[")) {
      this.next();
      out = `[${this.typeRef()}]`;
      this.expectPunct("]");
    } else out = this.name().value;
    if (this.isPunct("!")) {
      this.next();
      out += "!";
    }
    return out;
  }

  private directives(): void {
    while (this.isPunct("@")) {
      this.next();
      this.name();
      if (this.isPunct("(")) this.args();
    }
  }

  private selectionSet(): Field[] {
    this.expectPunct("{");
    const fields: Field[] = [];
    while (!this.isPunct("}")) {
      const t = this.peek();
      if (t.kind === "punct" && t.value === "...") {
        throw new GraphQLSyntaxError("Fragments are not supported by this stand-in", t.line, t.column);
      }
      fields.push(this.field());
    }
    this.next();
    if (fields.length === 0) this.fail(this.tokens[this.pos - 1], "at least one field");
    return fields;
  }

  private field(): Field {
    const first = this.name();
    let alias: string | undefined;
    let name = first.value;
    if (this.isPunct(":")) {
      this.next();
      alias = first.value;
      name = this.name().value;
    }
    const args = this.isPunct("(") ? this.args() : {};
    this.directives();
    const selections = this.isPunct("{") ? this.selectionSet() : null;
    return { ...(alias ? { alias } : {}), name, args, selections, line: first.line, column: first.column };
  }

  private args(): Record<string, Value> {
    this.expectPunct("(");
    const out: Record<string, Value> = {};
    while (!this.isPunct(")")) {
      const n = this.name().value;
      this.expectPunct(":");
      out[n] = this.value();
    }
    this.next();
    return out;
  }

  private value(): Value {
    const t = this.next();
    if (t.kind === "punct" && t.value === "$") return { kind: "variable", name: this.name().value };
    if (t.kind === "string") return { kind: "string", value: t.value };
    if (t.kind === "number") return { kind: "number", value: Number(t.value) };
    if (t.kind === "name") {
      if (t.value === "true" || t.value === "false") return { kind: "boolean", value: t.value === "true" };
      if (t.value === "null") return { kind: "null" };
      return { kind: "enum", value: t.value };
    }
    if (t.kind === "punct" && t.value === "[") {
      const values: Value[] = [];
      while (!this.isPunct("]")) values.push(this.value());
      this.next();
      return { kind: "list", values };
    }
    if (t.kind === "punct" && t.value === "{") {
      const fields: Record<string, Value> = {};
      while (!this.isPunct("}")) {
        const n = this.name().value;
        this.expectPunct(":");
        fields[n] = this.value();
      }
      this.next();
      return { kind: "object", fields };
    }
    this.fail(t, "a value");
  }
}

export function parseDocument(src: string): Operation[] {
  return new Parser(tokenize(src)).document();
}

/** Plain JS value of an argument, resolving variables (undefined when a variable is not provided). */
export function resolveValue(v: Value, variables: Record<string, unknown>): unknown {
  switch (v.kind) {
    case "variable":
      return variables[v.name];
    case "string":
    case "enum":
      return v.value;
    case "number":
    case "boolean":
      return v.value;
    case "null":
      return null;
    case "list":
      return v.values.map((x) => resolveValue(x, variables));
    case "object":
      return Object.fromEntries(Object.entries(v.fields).map(([k, x]) => [k, resolveValue(x, variables)]));
  }
}
